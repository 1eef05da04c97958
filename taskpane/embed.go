// Package taskpane embeds crmsync's built web front ends: the Outlook add-in's taskpane (taskpane.html),
// its ribbon function file (commands.html) and the sign-in page of Office's dialog (auth.html), the web
// app (app/index.html, served at /app/), the local sandbox page, their hashed assets and the add-in's
// icons. They are TypeScript sources in this folder, built by Vite into dist/ (make builds them before
// any Go build: cd taskpane && npm ci && npm run build); dist/ is a build output and is not committed.
package taskpane

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built files, rooted at dist/: taskpane.html, commands.html, app/index.html, assets/…,
// icons/….
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path, so fs.Sub cannot fail
	}
	return sub
}
