package main

import "testing"

// TestReleaseVersion: `make release-binary VERSION=vX.Y.Z` (-X main.releaseVersion) gives the add-in's
// version where the build cannot read the tag from git, as in the container image.
func TestReleaseVersion(t *testing.T) {
	defer func(v string) { releaseVersion = v }(releaseVersion)
	for given, want := range map[string]string{"v1.2.3": "1.2.3.0", "v10.0.17": "10.0.17.0"} {
		releaseVersion = given
		if got := addinVersion(); got != want {
			t.Errorf("VERSION=%s: add-in version %s, want %s", given, got, want)
		}
	}
	for _, given := range []string{"", "1.2.3", "v1.2", "v1.2.3-rc1", "main"} {
		releaseVersion = given
		if got := addinVersion(); got == "" || got == given {
			t.Errorf("VERSION=%q: add-in version %q, want the build's own", given, got)
		}
	}
}
