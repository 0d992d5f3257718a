package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/report"
)

// deployDir holds the container image and the Kubernetes manifests.
const deployDir = "../../deploy"

// k8sObject is the part of a manifest the checks below read.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Spec struct {
		// Job
		CompletionMode string `yaml:"completionMode"`
		Completions    *int   `yaml:"completions"`
		Parallelism    *int   `yaml:"parallelism"`
		BackoffLimit   *int   `yaml:"backoffLimit"`
		Suspend        bool   `yaml:"suspend"`
		Template       struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
		// PersistentVolumeClaim
		AccessModes []string `yaml:"accessModes"`
	} `yaml:"spec"`
	Data map[string]string `yaml:"data"` // ConfigMap
}

type podSpec struct {
	RestartPolicy   string `yaml:"restartPolicy"`
	SecurityContext struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    *int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []struct {
		Name    string   `yaml:"name"`
		Image   string   `yaml:"image"`
		Args    []string `yaml:"args"`
		EnvFrom []struct {
			ConfigMapRef struct {
				Name string `yaml:"name"`
			} `yaml:"configMapRef"`
		} `yaml:"envFrom"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	} `yaml:"containers"`
	Volumes []struct {
		Name                  string `yaml:"name"`
		PersistentVolumeClaim struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
	} `yaml:"volumes"`
}

// readManifests parses every document of every YAML file in deploy/k8s
// and returns the objects by kind/name, with what kustomization.yaml lists
// ("name.yaml", "image:name") and the files found ("file:name.yaml").
func readManifests(t *testing.T) (map[string]k8sObject, []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(deployDir, "k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s/k8s (%v)", deployDir, err)
	}
	objs := map[string]k8sObject{}
	var resources []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "kustomization.yaml" {
			var k struct {
				Resources []string `yaml:"resources"`
				Images    []struct {
					Name string `yaml:"name"`
				} `yaml:"images"`
			}
			if err := yaml.Unmarshal(data, &k); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			resources = k.Resources
			for _, im := range k.Images {
				resources = append(resources, "image:"+im.Name)
			}
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var node yaml.Node
			if err := dec.Decode(&node); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: not YAML: %v", f, err)
			}
			var o k8sObject
			if err := node.Decode(&o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Fatalf("%s: a document without apiVersion, kind or metadata.name", f)
			}
			if o.Metadata.Namespace != "" {
				t.Errorf("%s: %s %s names namespace %q; the manifests are namespace-agnostic (kubectl -n)", f, o.Kind, o.Metadata.Name, o.Metadata.Namespace)
			}
			objs[o.Kind+"/"+o.Metadata.Name] = o
			resources = append(resources, "file:"+filepath.Base(f))
		}
	}
	return objs, resources
}

// argAfter returns the argument that follows flag in args.
func argAfter(args []string, flag string) string {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return ""
	}
	return args[i+1]
}

func TestDeployManifests(t *testing.T) {
	objs, resources := readManifests(t)
	shards, ok := objs["Job/perfgate-shards"]
	if !ok {
		t.Fatalf("no Job perfgate-shards in %v", resources)
	}
	merge, ok := objs["Job/perfgate-merge"]
	if !ok {
		t.Fatal("no Job perfgate-merge")
	}
	pvc, ok := objs["PersistentVolumeClaim/perfgate-results"]
	if !ok {
		t.Fatal("no PersistentVolumeClaim perfgate-results")
	}
	cm, ok := objs["ConfigMap/perfgate-run"]
	if !ok {
		t.Fatal("no ConfigMap perfgate-run")
	}

	t.Run("kustomization lists every file and the image", func(t *testing.T) {
		for _, r := range resources {
			name, ok := strings.CutPrefix(r, "file:")
			if ok && !slices.Contains(resources, name) {
				t.Errorf("kustomization.yaml does not list %s", name)
			}
		}
		image := shards.Spec.Template.Spec.Containers[0].Image
		name, _, _ := strings.Cut(image, ":")
		if !slices.Contains(resources, "image:"+name) {
			t.Errorf("kustomization.yaml images do not name %s", name)
		}
	})

	t.Run("indexed job", func(t *testing.T) {
		s := shards.Spec
		if s.CompletionMode != "Indexed" {
			t.Errorf("completionMode %q, want Indexed", s.CompletionMode)
		}
		if s.Completions == nil || s.Parallelism == nil {
			t.Fatal("completions and parallelism must be set")
		}
		if *s.Completions != *s.Parallelism {
			t.Fatalf("completions %d != parallelism %d: the shards must send at the same time", *s.Completions, *s.Parallelism)
		}
		args := s.Template.Spec.Containers[0].Args
		if len(args) == 0 || args[0] != "run" {
			t.Fatalf("shard args %q do not start with run", args)
		}
		spec := argAfter(args, "--shard")
		idx, n, _ := strings.Cut(spec, "/")
		if idx != "$(JOB_COMPLETION_INDEX)" || n != strconv.Itoa(*s.Completions) {
			t.Errorf("--shard %q, want $(JOB_COMPLETION_INDEX)/%d (completions)", spec, *s.Completions)
		}
		// The index must reach the arguments on every cluster.
		plan, err := engine.ParseShard(spec, func(string) string { return strconv.Itoa(*s.Completions - 1) })
		if err != nil || plan.Count != *s.Completions {
			t.Errorf("perfgate reads --shard %q as %+v, %v", spec, plan, err)
		}
		out := argAfter(args, "--out")
		if !strings.HasSuffix(out, "$(JOB_COMPLETION_INDEX)") {
			t.Errorf("--out %q: each shard needs its own directory, named by its index", out)
		}
		if !slices.Contains(args, "--no-progress") || argAfter(args, "--target") == "" {
			t.Errorf("shard args %q: want --target and --no-progress", args)
		}
		c := s.Template.Spec.Containers[0]
		if c.Resources.Requests["cpu"] == "" || c.Resources.Limits["memory"] == "" {
			t.Errorf("resources %+v: want a CPU request and a memory limit", c.Resources)
		}
	})

	t.Run("merge job reads the shards' directory", func(t *testing.T) {
		args := merge.Spec.Template.Spec.Containers[0].Args
		if len(args) < 2 || args[0] != "report" {
			t.Fatalf("merge args %q, want report DIR", args)
		}
		shardOut := argAfter(shards.Spec.Template.Spec.Containers[0].Args, "--out")
		if path.Dir(shardOut) != args[1] {
			t.Errorf("merge reads %s but the shards write %s", args[1], shardOut)
		}
		if out := argAfter(args, "--out"); path.Dir(out) != args[1] || out == shardOut {
			t.Errorf("merge --out %q: want a directory beside the shards", out)
		}
		formats := argAfter(args, "--format")
		if _, err := report.RunFormats(nil).Parse(formats); err != nil {
			t.Errorf("merge --format %q: %v", formats, err)
		}
		for _, a := range args {
			if strings.ContainsAny(a, "*?[") {
				t.Errorf("merge arg %q is a glob; the image has no shell to expand it", a)
			}
		}
		if !merge.Spec.Suspend {
			t.Error("merge Job is not created suspended: it would run before the shards end")
		}
		if merge.Spec.BackoffLimit == nil || *merge.Spec.BackoffLimit != 0 {
			t.Error("merge Job must not retry: a failed gate is an answer")
		}
	})

	t.Run("both jobs share image, volume, settings and a non-root user", func(t *testing.T) {
		for _, job := range []k8sObject{shards, merge} {
			p := job.Spec.Template.Spec
			name := job.Metadata.Name
			if p.RestartPolicy != "Never" {
				t.Errorf("%s: restartPolicy %q, want Never", name, p.RestartPolicy)
			}
			if p.SecurityContext.RunAsNonRoot == nil || !*p.SecurityContext.RunAsNonRoot || p.SecurityContext.RunAsUser == nil || *p.SecurityContext.RunAsUser == 0 {
				t.Errorf("%s: runAsNonRoot and a non-zero runAsUser must be set", name)
			}
			if len(p.Containers) != 1 {
				t.Fatalf("%s: %d containers, want 1", name, len(p.Containers))
			}
			c := p.Containers[0]
			if c.Image != shards.Spec.Template.Spec.Containers[0].Image {
				t.Errorf("%s: image %s differs from the shards' %s", name, c.Image, shards.Spec.Template.Spec.Containers[0].Image)
			}
			if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef.Name != cm.Metadata.Name {
				t.Errorf("%s: does not read ConfigMap %s", name, cm.Metadata.Name)
			}
			if len(c.VolumeMounts) != 1 || len(p.Volumes) != 1 || c.VolumeMounts[0].Name != p.Volumes[0].Name ||
				p.Volumes[0].PersistentVolumeClaim.ClaimName != pvc.Metadata.Name {
				t.Errorf("%s: mounts %+v, volumes %+v; want the claim %s", name, c.VolumeMounts, p.Volumes, pvc.Metadata.Name)
				continue
			}
			for _, a := range c.Args {
				if strings.HasPrefix(a, "/") && !strings.HasPrefix(a, c.VolumeMounts[0].MountPath+"/") {
					t.Errorf("%s: path %s is not on the results volume %s", name, a, c.VolumeMounts[0].MountPath)
				}
			}
			for _, a := range c.Args {
				for _, m := range regexp.MustCompile(`\$\((\w+)\)`).FindAllStringSubmatch(a, -1) {
					if _, ok := cm.Data[m[1]]; !ok && m[1] != "JOB_COMPLETION_INDEX" {
						t.Errorf("%s: arg %q uses $(%s), which the ConfigMap does not set", name, a, m[1])
					}
				}
			}
		}
		if !slices.Contains(pvc.Spec.AccessModes, "ReadWriteMany") {
			t.Errorf("PVC access modes %v: shards on several nodes need ReadWriteMany", pvc.Spec.AccessModes)
		}
	})
}

// TestDockerfile checks the image's structure: no Docker engine runs in
// the tests, so it is never built here.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var from, users, copies, runs []string
	var entry string
	// Instructions continue over lines that end in a backslash.
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		rest := strings.TrimSpace(strings.TrimPrefix(line, f[0]))
		switch strings.ToUpper(f[0]) {
		case "FROM":
			from = append(from, rest)
		case "USER":
			users = append(users, rest)
		case "COPY":
			copies = append(copies, rest)
		case "RUN":
			runs = append(runs, rest)
		case "ENTRYPOINT":
			entry = rest
		}
	}
	if len(from) < 2 {
		t.Fatalf("FROM %q: want a build stage and a final stage", from)
	}
	final := from[len(from)-1]
	if !strings.Contains(final, "distroless/static") && !strings.HasPrefix(final, "scratch") {
		t.Errorf("final stage %q: want distroless static or scratch", final)
	}
	if len(users) == 0 {
		t.Fatal("no USER: the image would run as root")
	}
	if u := users[len(users)-1]; strings.HasPrefix(u, "root") || strings.HasPrefix(u, "0") {
		t.Errorf("USER %s is root", u)
	}
	if !slices.ContainsFunc(runs, func(r string) bool {
		return strings.Contains(r, "CGO_ENABLED=0") && strings.Contains(r, "./cmd/perfgate")
	}) {
		t.Errorf("no static build (CGO_ENABLED=0 go build ./cmd/perfgate) in %q", runs)
	}
	if !slices.ContainsFunc(copies, func(c string) bool { return strings.Contains(c, "scenarios") }) {
		t.Errorf("scenarios/ is not copied into the image: %q", copies)
	}
	if !slices.ContainsFunc(copies, func(c string) bool { return strings.HasPrefix(c, "--from=") && strings.Contains(c, "perfgate") }) {
		t.Errorf("the binary is not copied from the build stage: %q", copies)
	}
	if !strings.Contains(entry, "perfgate") {
		t.Errorf("ENTRYPOINT %q is not perfgate", entry)
	}
	ignore, err := os.ReadFile(filepath.Join(deployDir, "Dockerfile.dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []string{"!go.mod", "!go.sum", "!cmd/", "!internal/", "!scenarios/"} {
		if !strings.Contains(string(ignore), keep) {
			t.Errorf("Dockerfile.dockerignore leaves out %s", keep)
		}
	}
}
