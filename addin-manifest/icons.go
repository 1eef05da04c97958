package addinmanifest

import (
	"embed"
	"io/fs"
)

// The PNGs were drawn once by a small program (a white chain link on crmsync's blue, supersampled) and
// are kept as files; redraw them with any editor at the same sizes.
//
//go:embed icons/*.png
var icons embed.FS

// Icons holds every icon the manifests name, by file name: icon-16.png, icon-32.png and icon-80.png for
// the ribbon buttons, icon-64.png and icon-128.png for the add-in's listing, and ColorIcon (192×192) and
// OutlineIcon (32×32) for the unified manifest's app package. The taskpane serves them at
// <PublicURL>/taskpane/icons/.
func Icons() fs.FS {
	sub, err := fs.Sub(icons, "icons")
	if err != nil {
		panic(err) // "icons" is a valid path, so fs.Sub cannot fail
	}
	return sub
}
