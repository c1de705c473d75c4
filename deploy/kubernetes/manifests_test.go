// Package kubernetes holds strain's Kubernetes manifests, and this test,
// which decodes them strictly against the Kubernetes API types and checks
// that the segments and the merge agree. It is a module of its own, so
// that strain's module never depends on Kubernetes.
package kubernetes

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// document is one YAML document of a manifest file.
type document struct {
	file string
	text string
}

// manifest is a document decoded into the typed object its kind names.
type manifest struct {
	document
	kind, name string
	obj        any
}

// docSeparator is a YAML document marker line.
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// splitDocuments splits a multi-document YAML file.
func splitDocuments(file, text string) []document {
	var docs []document
	for _, part := range docSeparator.Split(text, -1) {
		docs = append(docs, document{file: file, text: part})
	}
	return docs
}

// decodeStrict decodes one YAML document the way the API server's strict
// field validation does: a duplicate key, a field the type does not have,
// or a field spelled in another case is an error. It returns nil, nil for
// a document of comments alone.
func decodeStrict(doc string) (*manifest, error) {
	js, err := yaml.YAMLToJSONStrict([]byte(doc))
	if err != nil {
		return nil, err
	}
	if string(js) == "null" {
		return nil, nil
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(js, &head); err != nil {
		return nil, err
	}
	var obj any
	var want string
	switch head.Kind {
	case "Job":
		obj, want = &batchv1.Job{}, "batch/v1"
	case "PersistentVolumeClaim":
		obj, want = &corev1.PersistentVolumeClaim{}, "v1"
	default:
		return nil, fmt.Errorf("unknown kind %q (apiVersion %q)", head.Kind, head.APIVersion)
	}
	if head.APIVersion != want {
		return nil, fmt.Errorf("%s: apiVersion %q, want %q", head.Kind, head.APIVersion, want)
	}
	strict, err := sigsjson.UnmarshalStrict(js, obj)
	if err != nil {
		return nil, err
	}
	if len(strict) > 0 {
		return nil, errors.Join(strict...)
	}
	m := &manifest{kind: head.Kind, obj: obj}
	switch o := obj.(type) {
	case *batchv1.Job:
		m.name = o.Name
	case *corev1.PersistentVolumeClaim:
		m.name = o.Name
	}
	if m.name == "" {
		return nil, fmt.Errorf("%s without a name", head.Kind)
	}
	return m, nil
}

// loadManifests reads and strictly decodes every *.yaml file here, each
// document through subst (the identity, or envsubst's work).
func loadManifests(t *testing.T, subst func(string) string) map[string]*manifest {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	byName := map[string]*manifest{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range splitDocuments(f, subst(string(raw))) {
			m, err := decodeStrict(doc.text)
			if err != nil {
				t.Fatalf("%s, document %d: %v", f, i+1, err)
			}
			if m == nil {
				continue
			}
			m.document = doc
			key := m.kind + "/" + m.name
			if prev, ok := byName[key]; ok {
				t.Fatalf("%s twice: in %s and %s", key, prev.file, f)
			}
			byName[key] = m
		}
	}
	return byName
}

func job(t *testing.T, ms map[string]*manifest, name string) *batchv1.Job {
	t.Helper()
	m, ok := ms["Job/"+name]
	if !ok {
		t.Fatalf("no Job %s among the manifests", name)
	}
	return m.obj.(*batchv1.Job)
}

// container is the Job's only container.
func container(t *testing.T, j *batchv1.Job) *corev1.Container {
	t.Helper()
	cs := j.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("Job %s: %d containers, want 1", j.Name, len(cs))
	}
	return &cs[0]
}

// flagValue is the argument after flag, which must appear once.
func flagValue(t *testing.T, args []string, flag string) string {
	t.Helper()
	var vals []string
	for i, a := range args {
		if a == flag {
			if i+1 == len(args) {
				t.Fatalf("%s without a value in %q", flag, args)
			}
			vals = append(vals, args[i+1])
		}
	}
	if len(vals) != 1 {
		t.Fatalf("%s given %d times in %q, want once", flag, len(vals), args)
	}
	return vals[0]
}

// positionals are the arguments after the subcommand that are neither
// flags nor their values.
func positionals(args []string, valued ...string) []string {
	var pos []string
	for i := 1; i < len(args); i++ {
		switch {
		case slices.Contains(valued, args[i]):
			i++
		case strings.HasPrefix(args[i], "-"):
		default:
			pos = append(pos, args[i])
		}
	}
	return pos
}

// expandIndex does Kubernetes' $(JOB_COMPLETION_INDEX) expansion for pod i.
func expandIndex(s string, i int) string {
	return strings.ReplaceAll(s, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i))
}

// segmentsN is N of the segments Job's --segment $(JOB_COMPLETION_INDEX)/N.
func segmentsN(t *testing.T, seg *batchv1.Job) int {
	t.Helper()
	v := flagValue(t, container(t, seg).Args, "--segment")
	idx, n, ok := strings.Cut(v, "/")
	if !ok || idx != "$(JOB_COMPLETION_INDEX)" {
		t.Fatalf("--segment %q, want $(JOB_COMPLETION_INDEX)/N", v)
	}
	N, err := strconv.Atoi(n)
	if err != nil || N < 1 {
		t.Fatalf("--segment %q: N is not a positive number", v)
	}
	return N
}

func TestSegmentsJob(t *testing.T) {
	ms := loadManifests(t, func(s string) string { return s })
	seg := job(t, ms, "strain-segments")
	c := container(t, seg)
	N := segmentsN(t, seg)

	if seg.Spec.CompletionMode == nil || *seg.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode %v, want Indexed", deref(seg.Spec.CompletionMode))
	}
	if seg.Spec.Completions == nil || int(*seg.Spec.Completions) != N {
		t.Errorf("completions %v, want N = %d (the /N of --segment)", deref(seg.Spec.Completions), N)
	}
	if seg.Spec.Parallelism == nil || int(*seg.Spec.Parallelism) != N {
		t.Errorf("parallelism %v, want N = %d: every segment runs at once", deref(seg.Spec.Parallelism), N)
	}
	if len(c.Args) == 0 || c.Args[0] != "run" {
		t.Fatalf("args %q do not start with run", c.Args)
	}
	if v := flagValue(t, c.Args, "--start-at"); v == "" {
		t.Error("--start-at is empty")
	}
	for _, f := range []string{"-r", "-d"} {
		flagValue(t, c.Args, f)
	}
	if !slices.Contains(c.Args, "--no-tui") {
		t.Errorf("args %q lack --no-tui", c.Args)
	}
	if o := flagValue(t, c.Args, "-o"); o != "/results/segment-$(JOB_COMPLETION_INDEX).json" {
		t.Errorf("-o %q, want /results/segment-$(JOB_COMPLETION_INDEX).json", o)
	}
	// Each segment's captures in a directory of its own, on the volume
	// (the root filesystem is read-only).
	if p := flagValue(t, c.Args, "--profiles"); !strings.HasPrefix(p, "/results/") || !strings.Contains(p, "$(JOB_COMPLETION_INDEX)") {
		t.Errorf("--profiles %q: want a directory under /results/ named by $(JOB_COMPLETION_INDEX)", p)
	}

	// $(JOB_COMPLETION_INDEX) expands only when env defines it.
	var env *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "JOB_COMPLETION_INDEX" {
			env = &c.Env[i]
		}
	}
	const annotation = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
	if env == nil || env.ValueFrom == nil || env.ValueFrom.FieldRef == nil || env.ValueFrom.FieldRef.FieldPath != annotation {
		t.Errorf("env JOB_COMPLETION_INDEX %+v, want a fieldRef to %s", env, annotation)
	}
	checkExpansions(t, c)

	// The segments spread over nodes, by a preference that selects them.
	aff := seg.Spec.Template.Spec.Affinity
	if aff == nil || aff.PodAntiAffinity == nil || len(aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		t.Fatal("no pod anti-affinity preference")
	}
	term := aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm
	if term.TopologyKey != "kubernetes.io/hostname" || term.LabelSelector == nil {
		t.Errorf("anti-affinity term %+v: want topologyKey kubernetes.io/hostname and a label selector", term)
	} else {
		for k, v := range term.LabelSelector.MatchLabels {
			if seg.Spec.Template.Labels[k] != v {
				t.Errorf("anti-affinity selects %s=%s, which the segment pods do not carry", k, v)
			}
		}
	}
}

func TestMergeJob(t *testing.T) {
	ms := loadManifests(t, func(s string) string { return s })
	seg := job(t, ms, "strain-segments")
	merge := job(t, ms, "strain-merge")
	N := segmentsN(t, seg)
	c := container(t, merge)

	if len(c.Args) == 0 || c.Args[0] != "merge" {
		t.Fatalf("args %q do not start with merge", c.Args)
	}
	// Exactly the N files the segments write, expanded as Kubernetes does.
	var want []string
	out := flagValue(t, container(t, seg).Args, "-o")
	for i := range N {
		want = append(want, expandIndex(out, i))
	}
	got := positionals(c.Args, "-o", "--output", "--gate", "--junit", "--markdown", "--html")
	if !slices.Equal(got, want) {
		t.Errorf("merge reads %q, want the %d segments' reports %q", got, N, want)
	}
	if slices.Contains(c.Args, "--allow-partial") {
		t.Error("--allow-partial: a missing segment would not fail the verdict")
	}
	flagValue(t, c.Args, "--gate")
	for _, f := range []string{"-o", "--junit", "--markdown", "--html"} {
		if v := flagValue(t, c.Args, f); !strings.HasPrefix(v, "/results/") {
			t.Errorf("%s %q is not on the results volume", f, v)
		}
	}
	checkExpansions(t, c)

	// The README's one "replace the image" step is for both Jobs.
	if c.Image != container(t, seg).Image {
		t.Errorf("merge image %q, segments image %q: want the same", c.Image, container(t, seg).Image)
	}
}

// checkExpansions: every $(VAR) in args names a variable env defines,
// else Kubernetes leaves it as it is.
func checkExpansions(t *testing.T, c *corev1.Container) {
	t.Helper()
	ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	for _, a := range c.Args {
		for _, m := range ref.FindAllStringSubmatch(a, -1) {
			if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == m[1] }) {
				t.Errorf("arg %q: $(%s) is not defined in env", a, m[1])
			}
		}
	}
}

func TestJobsRunSafely(t *testing.T) {
	ms := loadManifests(t, func(s string) string { return s })
	pvc, ok := ms["PersistentVolumeClaim/strain-results"]
	if !ok {
		t.Fatal("no PersistentVolumeClaim strain-results")
	}
	if modes := pvc.obj.(*corev1.PersistentVolumeClaim).Spec.AccessModes; !slices.Contains(modes, corev1.ReadWriteMany) {
		t.Errorf("strain-results access modes %v: the segments' pods write it from several nodes at once, want ReadWriteMany", modes)
	}
	for _, name := range []string{"strain-segments", "strain-merge"} {
		t.Run(name, func(t *testing.T) {
			j := job(t, ms, name)
			pod := j.Spec.Template.Spec
			c := container(t, j)
			if j.Spec.BackoffLimit == nil || *j.Spec.BackoffLimit != 0 {
				t.Errorf("backoffLimit %v, want 0", deref(j.Spec.BackoffLimit))
			}
			if pod.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("restartPolicy %q, want Never", pod.RestartPolicy)
			}
			checkSecurity(t, pod.SecurityContext, c.SecurityContext)
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Limits[r]; !ok {
					t.Errorf("no %s limit", r)
				}
				if _, ok := c.Resources.Requests[r]; !ok {
					t.Errorf("no %s request", r)
				}
			}
			// The strain-results claim at /results.
			var mounted bool
			for _, vm := range c.VolumeMounts {
				if vm.MountPath != "/results" {
					continue
				}
				for _, v := range pod.Volumes {
					if v.Name == vm.Name && v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "strain-results" && !vm.ReadOnly {
						mounted = true
					}
				}
			}
			if !mounted {
				t.Errorf("the strain-results claim is not mounted writable at /results: mounts %+v, volumes %+v", c.VolumeMounts, pod.Volumes)
			}
		})
	}
}

// checkSecurity checks the container's effective settings: a container's
// own value wins over the pod's.
func checkSecurity(t *testing.T, pod *corev1.PodSecurityContext, ctr *corev1.SecurityContext) {
	t.Helper()
	if pod == nil {
		pod = &corev1.PodSecurityContext{}
	}
	if ctr == nil {
		ctr = &corev1.SecurityContext{}
	}
	nonRoot := first(ctr.RunAsNonRoot, pod.RunAsNonRoot)
	if nonRoot == nil || !*nonRoot {
		t.Error("runAsNonRoot is not true")
	}
	if uid := first(ctr.RunAsUser, pod.RunAsUser); uid == nil || *uid == 0 {
		t.Errorf("runAsUser %v: want a numeric non-root user (65532)", deref(uid))
	}
	if ctr.AllowPrivilegeEscalation == nil || *ctr.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if ctr.ReadOnlyRootFilesystem == nil || !*ctr.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is not true")
	}
	if ctr.Capabilities == nil || !slices.Contains(ctr.Capabilities.Drop, "ALL") || len(ctr.Capabilities.Add) > 0 {
		t.Errorf("capabilities %+v: want ALL dropped and none added", ctr.Capabilities)
	}
	if sp := first(ctr.SeccompProfile, pod.SeccompProfile); sp == nil || sp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("seccompProfile %+v, want RuntimeDefault", sp)
	}
	if pod.FSGroup == nil {
		t.Error("no fsGroup: the non-root user may not write the volume")
	}
}

// placeholders are the envsubst variables the README exports, with values
// like the README's.
var placeholders = map[string]string{
	"TARGET_URL": "http://shop.example:8080/cart?id=1&x=y",
	"START_AT":   "2026-12-02T12:00:00Z",
	"RATE":       "1500",
	"DURATION":   "60s",
	"GATE":       "latency.p99 < 200ms",
}

// envsubstRef is what GNU envsubst replaces: $NAME and ${NAME}, not $(NAME).
var envsubstRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

func envsubst(s string) string {
	return envsubstRef.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.Trim(m, "${}")
		return placeholders[name] // unset is empty, as with envsubst
	})
}

// TestPlaceholders: the manifests use only the variables the README
// exports (envsubst would blank any other, comments included), and they
// still decode strictly once filled in: an unquoted ${RATE} would become
// a number where Kubernetes wants a string.
func TestPlaceholders(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envsubstRef.FindAllStringSubmatch(string(raw), -1) {
			name := m[1] + m[2]
			if _, ok := placeholders[name]; !ok {
				t.Errorf("%s: %s is not one of the README's variables: envsubst would make it empty", f, m[0])
			}
			if m[2] != "" {
				t.Errorf("%s: write %s as ${%s}", f, m[0], name)
			}
		}
	}

	ms := loadManifests(t, envsubst)
	seg := container(t, job(t, ms, "strain-segments")).Args
	for flag, want := range map[string]string{"--start-at": placeholders["START_AT"], "-r": placeholders["RATE"], "-d": placeholders["DURATION"]} {
		if got := flagValue(t, seg, flag); got != want {
			t.Errorf("after envsubst, %s %q, want %q", flag, got, want)
		}
	}
	if seg[1] != placeholders["TARGET_URL"] {
		t.Errorf("after envsubst, the URL is %q, want %q", seg[1], placeholders["TARGET_URL"])
	}
	if got := flagValue(t, container(t, job(t, ms, "strain-merge")).Args, "--gate"); got != placeholders["GATE"] {
		t.Errorf("after envsubst, --gate %q, want %q", got, placeholders["GATE"])
	}
}

// TestDecoderIsStrict: the decoder refuses what the API server's strict
// validation refuses, so that the tests above would see a typo.
func TestDecoderIsStrict(t *testing.T) {
	const good = `apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  completions: 3
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: c
          image: strain:latest
`
	m, err := decodeStrict(good)
	if err != nil {
		t.Fatalf("a valid Job was refused: %v", err)
	}
	if c := m.obj.(*batchv1.Job).Spec.Completions; c == nil || *c != 3 {
		t.Fatalf("completions %v, want 3", deref(c))
	}
	for name, bad := range map[string]string{
		"unknown field":  strings.Replace(good, "completions: 3", "completion: 3", 1),
		"nested unknown": strings.Replace(good, "image: strain:latest", "image: strain:latest\n          imagePullPolicie: Always", 1),
		"duplicate key":  strings.Replace(good, "completions: 3", "completions: 3\n  completions: 4", 1),
		"another case":   strings.Replace(good, "completions: 3", "Completions: 3", 1),
		"wrong type":     strings.Replace(good, "completions: 3", "completions: three", 1),
		"unknown kind":   strings.Replace(good, "kind: Job", "kind: CronJob", 1),
		"wrong version":  strings.Replace(good, "batch/v1", "batch/v1beta1", 1),
	} {
		if bad == good {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if _, err := decodeStrict(bad); err == nil {
			t.Errorf("%s: accepted\n%s", name, bad)
		}
	}

	docs := splitDocuments("x.yaml", "# a comment\n---\n"+good+"--- # next\n"+good)
	var n int
	for _, d := range docs {
		if m, err := decodeStrict(d.text); err != nil {
			t.Fatal(err)
		} else if m != nil {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d documents decoded from a file of two, and a comment", n)
	}
}

func first[T any](ps ...*T) *T {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

func deref[T any](p *T) any {
	if p == nil {
		return "unset"
	}
	return *p
}
