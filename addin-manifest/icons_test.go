package addinmanifest_test

import (
	"image/png"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"

	addinmanifest "github.com/crmsync/crmsync/addin-manifest"
)

func TestIconsAreRealPNGsOfTheirSize(t *testing.T) {
	for name, size := range map[string]int{
		"icon-16.png": 16, "icon-32.png": 32, "icon-64.png": 64, "icon-80.png": 80, "icon-128.png": 128,
		addinmanifest.ColorIcon: 192, addinmanifest.OutlineIcon: 32,
	} {
		t.Run(name, func(t *testing.T) { checkIcon(t, name, size) })
	}
}

// checkIcon fails unless the embedded icon name is a PNG of size×size pixels.
func checkIcon(t *testing.T, name string, size int) {
	t.Helper()
	f, err := addinmanifest.Icons().Open(name)
	if err != nil {
		t.Errorf("icon %s: %v", name, err)
		return
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Errorf("icon %s is not a PNG: %v", name, err)
		return
	}
	if cfg.Width != size || cfg.Height != size {
		t.Errorf("icon %s is %d×%d, want %d×%d", name, cfg.Width, cfg.Height, size, size)
	}
}

// checkIconURL fails unless u is base/taskpane/icons/icon-N.png and that icon exists at N×N.
func checkIconURL(t *testing.T, u, base string) {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil || !strings.HasPrefix(u, base+"/taskpane/icons/") {
		t.Errorf("icon URL %s is not under %s/taskpane/icons/", u, base)
		return
	}
	name := path.Base(p.Path)
	size, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "icon-"), ".png"))
	if err != nil {
		t.Errorf("icon URL %s does not name its size", u)
		return
	}
	checkIcon(t, name, size)
}
