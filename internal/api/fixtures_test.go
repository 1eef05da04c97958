package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/deployment"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/store"
)

var updateFixtures = flag.Bool("update", false, "rewrite taskpane/src/api/fixtures.json from the response structs")

// fixturesPath is where the front end's type test reads the API's JSON (taskpane/src/api/types.test.ts).
const fixturesPath = "../../taskpane/src/api/fixtures.json"

// TestTypeScriptFixtures keeps the front end's API types honest: it writes one sample of every response
// struct, each member filled, as the API would encode it, and fails while the committed fixture differs.
// The TypeScript side (types.test.ts, checked by tsc) holds the types generated from openapi.yaml
// against that JSON, so a member added, renamed or retyped here and not in the description fails there,
// even one no API test's answer happens to carry (the description's check against real answers sees
// only those). Regenerate with
// go test ./internal/api -run TestTypeScriptFixtures -update.
func TestTypeScriptFixtures(t *testing.T) {
	conditions := crm.Condition{Group: crm.GroupAnd, Conditions: []crm.Condition{
		{Field: "ownerId", Op: crm.CondEq, Value: crm.MeValue},
		{Group: crm.GroupOr, Conditions: []crm.Condition{{Field: "status", Op: crm.CondIn, Value: []any{"active"}}}},
	}}
	samples := map[string]any{
		"me":               meResponse{},
		"record":           crm.Record{},
		"recordPage":       page[crm.Record]{},
		"activity":         crm.Activity{},
		"activityPage":     page[crm.Activity]{},
		"entityType":       crm.EntityType{},
		"entityTypes":      page[crm.EntityType]{},
		"trackRequest":     trackResponse{},
		"trackList":        page[trackListItem]{},
		"itemTracking":     itemTracking{},
		"myOptions":        crm.UserOptions{},
		"syncRequested":    syncResponse{},
		"offlinePage":      records.OfflineAnswer{},
		"syncFilter":       crm.Filter{Conditions: conditions},
		"syncFilters":      page[crm.Filter]{Items: []crm.Filter{{Conditions: conditions}}},
		"filterPreview":    records.FilterPreview{},
		"fieldMappings":    page[crm.FieldMapping]{},
		"adminSettings":    crm.AdminSettings{},
		"mailboxes":        page[store.Mailbox]{},
		"myMailbox":        store.Mailbox{},
		"deployment":       deployment.Description{},
		"deployChecks":     deploymentChecks{},
		"fieldSecurity":    fieldSecurityView{},
		"accessLevels":     accessView{},
		"neverTrack":       neverTrackList{},
		"tenantNeverTrack": adminNeverTrackList{},
		"neverTrackCheck":  neverTrackCheck{},
		"problem":          Problem{},
	}
	filled := map[string]any{}
	for name, v := range samples {
		p := reflect.New(reflect.TypeOf(v))
		p.Elem().Set(reflect.ValueOf(v))
		fill(p.Elem(), 0)
		filled[name] = p.Interface()
	}
	got, err := json.MarshalIndent(filled, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *updateFixtures {
		if err := os.WriteFile(fixturesPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(fixturesPath)
	if err != nil {
		t.Fatalf("read %s: %v (write it with go test ./internal/api -run TestTypeScriptFixtures -update)", filepath.Base(fixturesPath), err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what the response structs encode now: run go test ./internal/api -run TestTypeScriptFixtures -update, "+
			"then cd taskpane && npm run build, which checks src/api/types.ts against it", fixturesPath)
	}
}

var (
	sampleTime    = time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)
	timeType      = reflect.TypeFor[time.Time]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// fill gives every empty member of v a value, so that omitempty members appear in the JSON too: "x"
// for strings, 1 for numbers, true, one element in slices and maps, a fixed time. Values already set,
// and types that encode themselves (the filter conditions), are kept.
func fill(v reflect.Value, depth int) {
	if depth > 8 || !v.CanSet() {
		return
	}
	if v.Type() != timeType && v.Kind() != reflect.Pointer && v.Type().Implements(marshalerType) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		if v.Type() == timeType {
			if v.IsZero() {
				v.Set(reflect.ValueOf(sampleTime))
			}
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), depth+1)
		}
	case reflect.String:
		if v.String() == "" {
			v.SetString("x")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Int() == 0 {
			v.SetInt(1)
		}
	case reflect.Float32, reflect.Float64:
		if v.Float() == 0 {
			v.SetFloat(1.5)
		}
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes: raw JSON or secrets, never in a response
		}
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := range v.Len() {
			fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if v.Len() == 0 {
			m := reflect.MakeMap(v.Type())
			elem := reflect.New(v.Type().Elem()).Elem()
			if elem.Kind() == reflect.Interface {
				elem.Set(reflect.ValueOf("x"))
			} else {
				fill(elem, depth+1)
			}
			m.SetMapIndex(reflect.ValueOf("x").Convert(v.Type().Key()), elem)
			v.Set(m)
		}
	}
}
