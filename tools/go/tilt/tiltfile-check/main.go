// tiltfile-check evaluates a Tiltfile without a cluster, Docker or tilt, and prints what Tilt
// would set up, as JSON (in the spirit of `tilt alpha tiltfile-result`):
//
//	tiltfile-check [-f Tiltfile] [-dir DIR] [-helm PATH] [-- --profile=rabbitmq ...]
//
// The Tiltfile runs in go.starlark.net with Tilt's dialect options. Tilt's builtins that only
// declare things (docker_build, k8s_resource, sync, ...) are recorded; those that produce
// manifests are carried out the way Tilt does: helm() runs `helm template`, kustomize() reads the
// kustomization tree (resources, namespace, secretGenerator names; patches are not applied),
// local() runs the command with sh. Then Tilt's own consistency rules are checked: every
// k8s_resource names an existing workload, every object selector matches exactly one object,
// every resource_dep exists, every docker_build image is used by a workload, live_update steps
// are in order and sync sources exist, the Dockerfile has the target stage. Any violation, a
// fail() or a Starlark error exits 1 with the message, as Tilt would refuse the Tiltfile.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
	"gopkg.in/yaml.v3"
)

type object struct {
	Kind      string   `json:"kind"`
	Name      string   `json:"name"`
	Namespace string   `json:"namespace,omitempty"`
	Images    []string `json:"images,omitempty"`
	Source    string   `json:"source"`
}

type image struct {
	Ref        string            `json:"ref"`
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile"`
	Target     string            `json:"target,omitempty"`
	BuildArgs  map[string]string `json:"buildArgs,omitempty"`
	Network    string            `json:"network,omitempty"`
	Only       []string          `json:"only,omitempty"`
	LiveUpdate []map[string]any  `json:"liveUpdate"`
}

// What k8s_resource() sets on a resource, and a manifest carries (JSON flattens the embedding).
type resourceSettings struct {
	PortForwards []string `json:"portForwards,omitempty"`
	ResourceDeps []string `json:"resourceDeps,omitempty"`
	Labels       []string `json:"labels,omitempty"`
}

type resourceCall struct {
	Workload string   `json:"workload,omitempty"`
	NewName  string   `json:"newName,omitempty"`
	Objects  []string `json:"objects,omitempty"`
	resourceSettings
}

type manifest struct {
	Name     string   `json:"name"`
	Workload string   `json:"workload,omitempty"`
	Objects  []string `json:"objects"`
	Images   []string `json:"images,omitempty"`
	resourceSettings
}

type state struct {
	dir       string
	helmBin   string
	args      map[string]string
	defined   map[string]string // flag -> "string" | "bool" | "string_list"
	objects   []object
	images    []image
	resources []resourceCall
	warnings  []string
	logs      []string
	helmCalls []map[string]any
	kustomize []string
	locals    []string
	// The kube context k8s_context() answers, the contexts allow_k8s_contexts() allowed, and the
	// registry default_registry() named ("" when none).
	context  string
	allowed  []string
	registry string
}

var workloadKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true, "Job": true, "CronJob": true, "Pod": true}

func main() {
	file := flag.String("f", "Tiltfile", "the Tiltfile")
	helmBin := flag.String("helm", "helm", "helm binary for helm()")
	dir := flag.String("dir", "", "directory the Tiltfile's paths are relative to (default: the Tiltfile's)")
	kubeContext := flag.String("context", "tiltfile-check (no cluster)", "what k8s_context() answers")
	flag.Parse()
	st := &state{helmBin: *helmBin, args: map[string]string{}, defined: map[string]string{},
		objects: []object{}, images: []image{}, warnings: []string{}, logs: []string{}, helmCalls: []map[string]any{}, kustomize: []string{}, locals: []string{},
		context: *kubeContext, allowed: []string{}}
	abs, err := filepath.Abs(*file)
	if err != nil {
		die(err)
	}
	st.dir = filepath.Dir(abs)
	if *dir != "" {
		if st.dir, err = filepath.Abs(*dir); err != nil {
			die(err)
		}
	}
	for _, a := range flag.Args() {
		if !strings.HasPrefix(a, "--") {
			die(fmt.Errorf("Tiltfile argument %q: only --name=value and --name are supported", a))
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !ok {
			v = "true"
		}
		st.args[k] = v
	}
	res, err := st.run(abs)
	if err != nil {
		die(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
}

func die(err error) {
	fmt.Fprintln(os.Stderr, "Tiltfile error:", err)
	os.Exit(1)
}

func (st *state) run(path string) (map[string]any, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	predeclared := starlark.StringDict{
		"config": starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
			"define_string":      starlark.NewBuiltin("config.define_string", st.define("string")),
			"define_bool":        starlark.NewBuiltin("config.define_bool", st.define("bool")),
			"define_string_list": starlark.NewBuiltin("config.define_string_list", st.define("string_list")),
			"parse":              starlark.NewBuiltin("config.parse", st.parse),
		}),
		"os": starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
			"getenv": starlark.NewBuiltin("os.getenv", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
				var key string
				def := starlark.Value(starlark.None)
				if err := starlark.UnpackArgs(b.Name(), args, kw, "key", &key, "default?", &def); err != nil {
					return nil, err
				}
				if v, ok := os.LookupEnv(key); ok {
					return starlark.String(v), nil
				}
				return def, nil
			}),
		}),
		"fail": starlark.NewBuiltin("fail", st.fail),
		"warn": starlark.NewBuiltin("warn", st.warn),
		"k8s_context": starlark.NewBuiltin("k8s_context", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.String(st.context), nil
		}),
		"allow_k8s_contexts": starlark.NewBuiltin("allow_k8s_contexts", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var contexts starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kw, "contexts", &contexts); err != nil {
				return nil, err
			}
			if one, ok := starlark.AsString(contexts); ok {
				st.allowed = append(st.allowed, one)
				return starlark.None, nil
			}
			list, err := strList(contexts)
			if err != nil {
				return nil, err
			}
			st.allowed = append(st.allowed, list...)
			return starlark.None, nil
		}),
		"default_registry": starlark.NewBuiltin("default_registry", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var host, hostFromCluster, singleName string
			if err := starlark.UnpackArgs(b.Name(), args, kw, "host", &host, "host_from_cluster?", &hostFromCluster, "single_name?", &singleName); err != nil {
				return nil, err
			}
			st.registry = host
			return starlark.None, nil
		}),
		"local":        starlark.NewBuiltin("local", st.local),
		"kustomize":    starlark.NewBuiltin("kustomize", st.kustomizeFn),
		"helm":         starlark.NewBuiltin("helm", st.helm),
		"k8s_yaml":     starlark.NewBuiltin("k8s_yaml", st.k8sYaml),
		"docker_build": starlark.NewBuiltin("docker_build", st.dockerBuild),
		"k8s_resource": starlark.NewBuiltin("k8s_resource", st.k8sResource),
		"sync":         starlark.NewBuiltin("sync", step("sync", "local_path", "remote_path")),
		"run":          starlark.NewBuiltin("run", step("run", "cmd")),
		"fall_back_on": starlark.NewBuiltin("fall_back_on", step("fall_back_on", "files")),
		"initial_sync": starlark.NewBuiltin("initial_sync", step("initial_sync")),
		"update_settings": starlark.NewBuiltin("update_settings", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.None, nil
		}),
	}
	thread := &starlark.Thread{Name: "Tiltfile", Print: func(_ *starlark.Thread, msg string) { st.logs = append(st.logs, msg) }}
	// Tilt's dialect: top-level if/for, while, sets, global reassignment, recursion.
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}
	if _, err := starlark.ExecFileOptions(opts, thread, path, src, predeclared); err != nil {
		var ee *starlark.EvalError
		if errors.As(err, &ee) {
			return nil, errors.New(ee.Backtrace())
		}
		return nil, err
	}
	manifests, err := st.assemble()
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"args": st.args, "manifests": manifests, "images": st.images, "objects": st.objects,
		"helm": st.helmCalls, "kustomize": st.kustomize, "local": st.locals, "warnings": st.warnings, "logs": st.logs,
		"context": st.context, "allowedContexts": st.allowed, "registry": st.registry,
	}, nil
}

// ---- builtins ----

func (st *state) define(kind string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var name, usage string
		var positional bool
		if err := starlark.UnpackArgs(b.Name(), args, kw, "name", &name, "args?", &positional, "usage?", &usage); err != nil {
			return nil, err
		}
		st.defined[name] = kind
		return starlark.None, nil
	}
}

func (st *state) parse(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kw); err != nil {
		return nil, err
	}
	d := starlark.NewDict(len(st.args))
	for k, v := range st.args {
		kind, ok := st.defined[k]
		if !ok {
			return nil, fmt.Errorf("config.parse: unknown flag --%s (defined: %v)", k, keys(st.defined))
		}
		switch kind {
		case "bool":
			_ = d.SetKey(starlark.String(k), starlark.Bool(v == "true" || v == "1"))
		case "string_list":
			_ = d.SetKey(starlark.String(k), starlark.NewList([]starlark.Value{starlark.String(v)}))
		default:
			_ = d.SetKey(starlark.String(k), starlark.String(v))
		}
	}
	return d, nil
}

func (st *state) fail(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var msg string
	if err := starlark.UnpackArgs(b.Name(), args, kw, "msg", &msg); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("fail(): %s", msg)
}

func (st *state) warn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var msg string
	if err := starlark.UnpackArgs(b.Name(), args, kw, "msg", &msg); err != nil {
		return nil, err
	}
	st.warnings = append(st.warnings, msg)
	return starlark.None, nil
}

func (st *state) local(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var cmd string
	var quiet, echoOff bool
	var cmdBat, dir starlark.Value
	var env *starlark.Dict
	if err := starlark.UnpackArgs(b.Name(), args, kw, "command", &cmd, "quiet?", &quiet, "command_bat?", &cmdBat, "echo_off?", &echoOff, "env?", &env, "dir?", &dir); err != nil {
		return nil, err
	}
	st.locals = append(st.locals, cmd)
	c := exec.Command("sh", "-c", cmd)
	c.Dir = st.dir
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("local(%q) failed: %v: %s", cmd, err, errb.String())
	}
	return starlark.String(out.String()), nil
}

func (st *state) helm(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var chart, name, namespace string
	var values, set starlark.Value = starlark.NewList(nil), starlark.NewList(nil)
	if err := starlark.UnpackArgs(b.Name(), args, kw, "paths", &chart, "name?", &name, "namespace?", &namespace, "values?", &values, "set?", &set); err != nil {
		return nil, err
	}
	cmdArgs := []string{"template", chart}
	if name != "" {
		cmdArgs = append(cmdArgs, "--name-template", name)
	}
	if namespace != "" {
		cmdArgs = append(cmdArgs, "--namespace", namespace)
	}
	vals, err := strList(values)
	if err != nil {
		return nil, err
	}
	sets, err := strList(set)
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		cmdArgs = append(cmdArgs, "--values", v)
	}
	for _, s := range sets {
		cmdArgs = append(cmdArgs, "--set", s)
	}
	st.helmCalls = append(st.helmCalls, map[string]any{"chart": chart, "name": name, "namespace": namespace, "values": vals, "set": sets})
	c := exec.Command(st.helmBin, cmdArgs...)
	c.Dir = st.dir
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("helm(%s): helm %s: %v: %s", chart, strings.Join(cmdArgs, " "), err, errb.String())
	}
	// Tilt applies the namespace given to helm() to objects that have none.
	return starlark.String(withNamespace(out.String(), namespace, "helm:"+chart)), nil
}

// kustomizeFn reads a kustomization tree for its objects' kinds and names: resources (files and
// directories), namespace, secretGenerator / configMapGenerator. Patches are not applied (they do
// not change what Tilt groups into resources), but their targets must exist.
func (st *state) kustomizeFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var path string
	if err := starlark.UnpackArgs(b.Name(), args, kw, "pathToDir", &path); err != nil {
		return nil, err
	}
	st.kustomize = append(st.kustomize, path)
	docs, err := kustomizeDir(filepath.Join(st.dir, path))
	if err != nil {
		return nil, fmt.Errorf("kustomize(%s): %w", path, err)
	}
	var buf bytes.Buffer
	for _, d := range docs {
		y, _ := yaml.Marshal(d)
		buf.WriteString("---\n# Source: kustomize:" + path + "\n")
		buf.Write(y)
	}
	return starlark.String(buf.String()), nil
}

func kustomizeDir(dir string) ([]map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k struct {
		Namespace       string `yaml:"namespace"`
		Resources       []string
		SecretGenerator []struct {
			Name string `yaml:"name"`
		} `yaml:"secretGenerator"`
		ConfigMapGenerator []struct {
			Name string `yaml:"name"`
		} `yaml:"configMapGenerator"`
		Patches []struct {
			Path   string `yaml:"path"`
			Target struct {
				Kind string `yaml:"kind"`
				Name string `yaml:"name"`
			} `yaml:"target"`
		} `yaml:"patches"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(false)
	if err := dec.Decode(&k); err != nil {
		return nil, fmt.Errorf("%s/kustomization.yaml: %w", dir, err)
	}
	var docs []map[string]any
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", r, err)
		}
		if fi.IsDir() {
			sub, err := kustomizeDir(p)
			if err != nil {
				return nil, err
			}
			docs = append(docs, sub...)
			continue
		}
		f, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		ds, err := splitYAML(string(f))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		docs = append(docs, ds...)
	}
	for _, g := range k.SecretGenerator {
		docs = append(docs, map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": g.Name}})
	}
	for _, g := range k.ConfigMapGenerator {
		docs = append(docs, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": g.Name}})
	}
	for _, p := range k.Patches {
		if p.Path != "" {
			if _, err := os.Stat(filepath.Join(dir, p.Path)); err != nil {
				return nil, fmt.Errorf("patch %s: %w", p.Path, err)
			}
		}
		if p.Target.Name != "" {
			found := false
			for _, d := range docs {
				if d["kind"] == p.Target.Kind && meta(d, "name") == p.Target.Name {
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("%s/kustomization.yaml: patch target %s/%s matches no resource", dir, p.Target.Kind, p.Target.Name)
			}
		}
	}
	if k.Namespace != "" {
		for _, d := range docs {
			if d["kind"] == "Namespace" {
				continue
			}
			m, _ := d["metadata"].(map[string]any)
			if m != nil {
				m["namespace"] = k.Namespace
			}
		}
	}
	return docs, nil
}

func (st *state) k8sYaml(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	var allowDup bool
	if err := starlark.UnpackArgs(b.Name(), args, kw, "yaml", &v, "allow_duplicates?", &allowDup); err != nil {
		return nil, err
	}
	var texts []string
	switch x := v.(type) {
	case starlark.String:
		s := string(x)
		if !strings.Contains(s, "\n") && (strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")) {
			f, err := os.ReadFile(filepath.Join(st.dir, s))
			if err != nil {
				return nil, err
			}
			s = string(f)
		}
		texts = append(texts, s)
	case *starlark.List:
		l, err := strList(x)
		if err != nil {
			return nil, err
		}
		texts = append(texts, l...)
	default:
		return nil, fmt.Errorf("k8s_yaml: unsupported %s", v.Type())
	}
	for _, t := range texts {
		source := "k8s_yaml"
		if m := regexp.MustCompile(`# Source: (\S+)`).FindStringSubmatch(t); m != nil {
			source = m[1]
		}
		docs, err := splitYAML(t)
		if err != nil {
			return nil, fmt.Errorf("k8s_yaml: %w", err)
		}
		for _, d := range docs {
			o := object{Kind: fmt.Sprint(d["kind"]), Name: meta(d, "name"), Namespace: meta(d, "namespace"), Images: podImages(d), Source: source}
			if o.Kind == "" || o.Name == "" {
				return nil, fmt.Errorf("k8s_yaml: an object without kind or name from %s", source)
			}
			for _, e := range st.objects {
				if e.Kind == o.Kind && e.Name == o.Name && e.Namespace == o.Namespace && !allowDup {
					return nil, fmt.Errorf("k8s_yaml: duplicate object %s/%s", o.Kind, o.Name)
				}
			}
			st.objects = append(st.objects, o)
		}
	}
	return starlark.None, nil
}

func (st *state) dockerBuild(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var ref, ctx, dockerfile, target, network string
	var only, ignore, liveUpdate starlark.Value = starlark.NewList(nil), starlark.NewList(nil), starlark.NewList(nil)
	var buildArgs *starlark.Dict
	var entrypoint starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kw, "ref", &ref, "context", &ctx, "build_args?", &buildArgs, "dockerfile?", &dockerfile,
		"live_update?", &liveUpdate, "ignore?", &ignore, "only?", &only, "entrypoint?", &entrypoint, "target?", &target, "network?", &network); err != nil {
		return nil, err
	}
	if dockerfile == "" {
		dockerfile = filepath.Join(ctx, "Dockerfile")
	}
	df, err := os.ReadFile(filepath.Join(st.dir, dockerfile))
	if err != nil {
		return nil, fmt.Errorf("docker_build(%s): %w", ref, err)
	}
	if target != "" && !regexp.MustCompile(`(?mi)^FROM\s+\S+\s+AS\s+`+regexp.QuoteMeta(target)+`\s*$`).Match(df) {
		return nil, fmt.Errorf("docker_build(%s): %s has no stage %q", ref, dockerfile, target)
	}
	onlyL, err := strList(only)
	if err != nil {
		return nil, err
	}
	for _, o := range onlyL {
		if _, err := os.Stat(filepath.Join(st.dir, ctx, o)); err != nil {
			return nil, fmt.Errorf("docker_build(%s): only %q: %w", ref, o, err)
		}
	}
	img := image{Ref: ref, Context: ctx, Dockerfile: dockerfile, Target: target, Network: network, Only: onlyL}
	if buildArgs != nil {
		img.BuildArgs = map[string]string{}
		for _, item := range buildArgs.Items() {
			k, kok := starlark.AsString(item[0])
			v, vok := starlark.AsString(item[1])
			if !kok || !vok {
				return nil, fmt.Errorf("docker_build(%s): build_args must map strings to strings", ref)
			}
			img.BuildArgs[k] = v
		}
	}
	steps, ok := liveUpdate.(*starlark.List)
	if !ok {
		return nil, fmt.Errorf("docker_build(%s): live_update must be a list", ref)
	}
	seenOther := false
	for i := 0; i < steps.Len(); i++ {
		s, ok := steps.Index(i).(*stepValue)
		if !ok {
			return nil, fmt.Errorf("docker_build(%s): live_update[%d] is not a live_update step", ref, i)
		}
		switch s.kind {
		case "fall_back_on", "initial_sync":
			if seenOther {
				return nil, fmt.Errorf("docker_build(%s): %s must come before sync/run steps", ref, s.kind)
			}
		case "sync":
			seenOther = true
			if _, err := os.Stat(filepath.Join(st.dir, fmt.Sprint(s.fields["local_path"]))); err != nil {
				return nil, fmt.Errorf("docker_build(%s): sync source: %w", ref, err)
			}
			if !strings.HasPrefix(fmt.Sprint(s.fields["remote_path"]), "/") {
				return nil, fmt.Errorf("docker_build(%s): sync destination must be absolute", ref)
			}
		default:
			seenOther = true
		}
		m := map[string]any{"step": s.kind}
		for k, v := range s.fields {
			m[k] = v
		}
		img.LiveUpdate = append(img.LiveUpdate, m)
	}
	for _, e := range st.images {
		if e.Ref == ref {
			return nil, fmt.Errorf("docker_build: image %s built twice", ref)
		}
	}
	st.images = append(st.images, img)
	return starlark.None, nil
}

func (st *state) k8sResource(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var workload, newName string
	var pf, deps, labels, objects starlark.Value = starlark.NewList(nil), starlark.NewList(nil), starlark.NewList(nil), starlark.NewList(nil)
	var triggerMode, autoInit, podReadiness starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kw, "workload?", &workload, "new_name?", &newName, "port_forwards?", &pf,
		"extra_pod_selectors?", new(starlark.Value), "trigger_mode?", &triggerMode, "resource_deps?", &deps, "objects?", &objects,
		"auto_init?", &autoInit, "pod_readiness?", &podReadiness, "links?", new(starlark.Value), "labels?", &labels); err != nil {
		return nil, err
	}
	if workload == "" && newName == "" {
		return nil, errors.New("k8s_resource: a workload or a new_name is required")
	}
	rc := resourceCall{Workload: workload, NewName: newName}
	var err error
	if s, ok := pf.(starlark.String); ok {
		rc.PortForwards = []string{string(s)}
	} else if rc.PortForwards, err = strList(pf); err != nil {
		return nil, err
	}
	for _, p := range rc.PortForwards {
		if !regexp.MustCompile(`^(\d+:)?\d+$`).MatchString(p) {
			return nil, fmt.Errorf("k8s_resource(%s): bad port_forward %q", workload+newName, p)
		}
	}
	if rc.ResourceDeps, err = strList(deps); err != nil {
		return nil, err
	}
	if rc.Labels, err = strList(labels); err != nil {
		return nil, err
	}
	if rc.Objects, err = strList(objects); err != nil {
		return nil, err
	}
	st.resources = append(st.resources, rc)
	return starlark.None, nil
}

// ---- Tilt's assembly of resources ----

func (st *state) assemble() ([]manifest, error) {
	byName := map[string]*manifest{}
	var order []string
	claimed := map[int]bool{}
	for i, o := range st.objects {
		if workloadKinds[o.Kind] {
			if byName[o.Name] != nil {
				return nil, fmt.Errorf("two workloads named %s", o.Name)
			}
			byName[o.Name] = &manifest{Name: o.Name, Workload: o.Kind + "/" + o.Name, Objects: []string{o.Kind + "/" + o.Name}, Images: o.Images}
			order = append(order, o.Name)
			claimed[i] = true
		}
	}
	// Tilt attaches a Service to the workload its selector... here: by name prefix, as Tilt's
	// heuristics end up doing for this chart (Service and Deployment share their name).
	for i, o := range st.objects {
		if o.Kind == "Service" && byName[o.Name] != nil {
			byName[o.Name].Objects = append(byName[o.Name].Objects, "Service/"+o.Name)
			claimed[i] = true
		}
	}
	for _, rc := range st.resources {
		var m *manifest
		if rc.Workload != "" {
			m = byName[rc.Workload]
			if m == nil {
				return nil, fmt.Errorf("k8s_resource(%q): no workload of that name (workloads: %v)", rc.Workload, order)
			}
			if rc.NewName != "" {
				if byName[rc.NewName] != nil {
					return nil, fmt.Errorf("k8s_resource: new_name %q is taken", rc.NewName)
				}
				delete(byName, m.Name)
				for i, n := range order {
					if n == m.Name {
						order[i] = rc.NewName
					}
				}
				m.Name = rc.NewName
				byName[m.Name] = m
			}
		} else {
			if byName[rc.NewName] != nil {
				return nil, fmt.Errorf("k8s_resource: new_name %q is taken", rc.NewName)
			}
			if len(rc.Objects) == 0 {
				return nil, fmt.Errorf("k8s_resource(new_name=%q) without a workload needs objects", rc.NewName)
			}
			m = &manifest{Name: rc.NewName}
			byName[m.Name] = m
			order = append(order, m.Name)
		}
		for _, sel := range rc.Objects {
			parts := strings.Split(sel, ":")
			var hits []int
			for i, o := range st.objects {
				if o.Name == parts[0] && (len(parts) < 2 || strings.EqualFold(o.Kind, parts[1])) && (len(parts) < 3 || o.Namespace == parts[2]) {
					hits = append(hits, i)
				}
			}
			if len(hits) != 1 {
				return nil, fmt.Errorf("k8s_resource(%s): object selector %q matches %d objects", m.Name, sel, len(hits))
			}
			if claimed[hits[0]] {
				return nil, fmt.Errorf("k8s_resource(%s): object %q already belongs to a resource", m.Name, sel)
			}
			claimed[hits[0]] = true
			o := st.objects[hits[0]]
			m.Objects = append(m.Objects, o.Kind+"/"+o.Name)
		}
		m.PortForwards = append(m.PortForwards, rc.PortForwards...)
		m.ResourceDeps = append(m.ResourceDeps, rc.ResourceDeps...)
		m.Labels = append(m.Labels, rc.Labels...)
	}
	var unresourced []string
	for i, o := range st.objects {
		if !claimed[i] {
			unresourced = append(unresourced, o.Kind+"/"+o.Name)
		}
	}
	if len(unresourced) > 0 {
		order = append(order, "uncategorized")
		byName["uncategorized"] = &manifest{Name: "uncategorized", Objects: unresourced}
	}
	for _, n := range order {
		for _, d := range byName[n].ResourceDeps {
			if byName[d] == nil {
				return nil, fmt.Errorf("resource %s: resource_deps names %q, which does not exist", n, d)
			}
		}
	}
	for _, img := range st.images {
		used := false
		for _, o := range st.objects {
			for _, ref := range o.Images {
				if repo(ref) == img.Ref {
					used = true
				}
			}
		}
		if !used {
			st.warnings = append(st.warnings, fmt.Sprintf("Image not used in any deploy config: %s", img.Ref))
		}
	}
	out := make([]manifest, 0, len(order))
	for _, n := range order {
		out = append(out, *byName[n])
	}
	return out, nil
}

// ---- helpers ----

type stepValue struct {
	kind   string
	fields map[string]any
}

func (s *stepValue) String() string        { return s.kind + "()" }
func (s *stepValue) Type() string          { return "live_update_step" }
func (s *stepValue) Freeze()               {}
func (s *stepValue) Truth() starlark.Bool  { return true }
func (s *stepValue) Hash() (uint32, error) { return 0, errors.New("unhashable") }

func step(kind string, params ...string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		s := &stepValue{kind: kind, fields: map[string]any{}}
		if kind == "run" {
			var cmd string
			var trigger starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kw, "cmd", &cmd, "trigger?", &trigger, "echo_off?", new(bool)); err != nil {
				return nil, err
			}
			s.fields["cmd"] = cmd
			return s, nil
		}
		if kind == "fall_back_on" {
			var files starlark.Value
			if err := starlark.UnpackArgs(b.Name(), args, kw, "files", &files); err != nil {
				return nil, err
			}
			if str, ok := files.(starlark.String); ok {
				s.fields["files"] = []string{string(str)}
				return s, nil
			}
			l, err := strList(files)
			if err != nil {
				return nil, err
			}
			s.fields["files"] = l
			return s, nil
		}
		vals := make([]any, len(params))
		ptrs := make([]any, 0, 2*len(params))
		strs := make([]string, len(params))
		for i, p := range params {
			ptrs = append(ptrs, p, &strs[i])
		}
		if err := starlark.UnpackArgs(b.Name(), args, kw, ptrs...); err != nil {
			return nil, err
		}
		for i, p := range params {
			vals[i] = strs[i]
			s.fields[p] = strs[i]
		}
		return s, nil
	}
}

func strList(v starlark.Value) ([]string, error) {
	var out []string
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("want a list of strings, got %s", v.Type())
	}
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		s, ok := starlark.AsString(x)
		if !ok {
			return nil, fmt.Errorf("want a list of strings, got an element %s", x.Type())
		}
		out = append(out, s)
	}
	return out, nil
}

func splitYAML(s string) ([]map[string]any, error) {
	dec := yaml.NewDecoder(strings.NewReader(s))
	var out []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if d != nil {
			out = append(out, d)
		}
	}
}

func withNamespace(text, ns, source string) string {
	docs, err := splitYAML(text)
	if err != nil || ns == "" {
		return text
	}
	var buf bytes.Buffer
	for _, d := range docs {
		if m, ok := d["metadata"].(map[string]any); ok && m["namespace"] == nil {
			m["namespace"] = ns
		}
		y, _ := yaml.Marshal(d)
		buf.WriteString("---\n# Source: " + source + "\n")
		buf.Write(y)
	}
	return buf.String()
}

func meta(d map[string]any, key string) string {
	m, _ := d["metadata"].(map[string]any)
	if m == nil || m[key] == nil {
		return ""
	}
	return fmt.Sprint(m[key])
}

func podImages(d map[string]any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if (k == "containers" || k == "initContainers") && c != nil {
					if l, ok := c.([]any); ok {
						for _, ct := range l {
							if m, ok := ct.(map[string]any); ok && m["image"] != nil {
								out = append(out, fmt.Sprint(m["image"]))
							}
						}
					}
				} else {
					walk(c)
				}
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(d["spec"])
	sort.Strings(out)
	return out
}

// repo strips the tag (and digest) from an image reference.
func repo(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
