package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"

	addinmanifest "github.com/crmsync/crmsync/addin-manifest"
	"github.com/crmsync/crmsync/internal/config"
)

// manifest prints the Outlook add-in's manifest for a deployment (--public-url and --client-id, or
// CRMSYNC_PUBLIC_URL and CRMSYNC_CLIENT_ID), or without a client id the local development one.
func manifest(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("manifest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	publicURL := fs.String("public-url", getenv("CRMSYNC_PUBLIC_URL"), "the https URL Outlook reaches crmsync at [CRMSYNC_PUBLIC_URL]")
	clientID := fs.String("client-id", getenv("CRMSYNC_CLIENT_ID"),
		"the Entra app registration's application (client) id; empty renders the local development manifest for "+addinmanifest.LocalURL+" [CRMSYNC_CLIENT_ID]")
	version := fs.String("version", addinVersion(), "the add-in's version, n.n.n.n; Outlook updates an installed add-in when it grows")
	format := fs.String("format", "xml", "xml: the add-in only manifest (every Outlook); json: the unified manifest for Microsoft 365 (new Outlook, Outlook on the web, Windows 2304+)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	d := addinmanifest.Deployment{PublicURL: *publicURL, ClientID: *clientID, Version: *version}
	if *clientID == "" {
		// Local mode, as for serve: CRMSYNC_PUBLIC_URL plays no part, but an explicit flag is a mistake.
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "public-url" })
		if explicit {
			return fmt.Errorf("--public-url needs --client-id: without one, crmsync manifest renders the local development manifest for %s", addinmanifest.LocalURL)
		}
		d = addinmanifest.Local(*version)
	}
	var out []byte
	var err error
	switch *format {
	case "xml":
		out, err = addinmanifest.RenderXML(d)
	case "json":
		out, err = addinmanifest.RenderJSON(d)
	default:
		return fmt.Errorf("--format %q is not xml or json", *format)
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// servedManifests are the manifests GET /manifest.xml and /manifest.json serve: the deployment's, or in
// local mode the local development ones.
func servedManifests(cfg config.Config) (xml, json []byte, err error) {
	d := addinmanifest.Deployment{PublicURL: cfg.PublicURL, ClientID: cfg.ClientID, Version: addinVersion()}
	if cfg.Local() {
		d = addinmanifest.Local(addinVersion())
	}
	if xml, err = addinmanifest.RenderXML(d); err != nil {
		return nil, nil, err
	}
	if json, err = addinmanifest.RenderJSON(d); err != nil {
		return nil, nil, err
	}
	return xml, json, nil
}

var releaseTag = regexp.MustCompile(`^v([0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5})$`)

// releaseVersion is the release tag given to `make release-binary VERSION=vX.Y.Z` (-X
// main.releaseVersion), for builds where Go cannot read the tag from git, such as the container
// image's, whose build context has no .git.
var releaseVersion string

// addinVersion is the add-in's version for this binary: a build at release tag vX.Y.Z gives X.Y.Z.0;
// any other build (go run, a commit between tags, a dirty tree) gives the default version.
func addinVersion() string {
	if m := releaseTag.FindStringSubmatch(releaseVersion); m != nil {
		return m[1] + ".0"
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if m := releaseTag.FindStringSubmatch(info.Main.Version); m != nil {
			return m[1] + ".0"
		}
	}
	return addinmanifest.DefaultVersion
}
