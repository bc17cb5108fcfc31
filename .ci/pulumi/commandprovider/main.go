// Command pulumi-resource-command is the lab's stand-in for pulumi/pulumi-command's provider.
//
// The Go module proxy does not serve pulumi-command, so this provider implements the part of
// `command:local:Command` that @pulumi/command's SDK drives: create/update/delete shell commands
// with dir, environment, interpreter and stdin; stdout and stderr as outputs; a change of
// `triggers` replaces the resource, any other input change is an update.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"lab/pulumi-build/pluginserve"
)

// version is @pulumi/command's version from package.json (set by .ci/pulumi/build.sh).
var version = "dev"

const localCommand = "command:local:Command"

// The inputs local.Command understands; anything else is reported by Check.
var knownInputs = map[string]bool{
	"create": true, "update": true, "delete": true, "dir": true, "environment": true,
	"interpreter": true, "stdin": true, "triggers": true, "logging": true,
	"addPreviousOutputInEnv": true, "assetPaths": true, "archivePaths": true,
}

var marshal = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}

type commandProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func main() {
	pluginserve.Run("pulumi-resource-command", func(srv *grpc.Server) {
		pulumirpc.RegisterResourceProviderServer(srv, &commandProvider{})
	})
}

func (p *commandProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *commandProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"command","version":%q}`, version)}, nil
}

func (p *commandProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *commandProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *commandProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	// Secrets arrive as plain values; the engine marks outputs secret again from the inputs.
	return &pulumirpc.ConfigureResponse{SupportsPreview: true}, nil
}

func requireLocalCommand(urn string) error {
	if t := string(resource.URN(urn).Type()); t != localCommand {
		return fmt.Errorf("resource type %q is not served by the lab's command provider (only %s)", t, localCommand)
	}
	return nil
}

func (p *commandProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := requireLocalCommand(req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), marshal)
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	for k, v := range news {
		key := string(k)
		switch {
		case !knownInputs[key]:
			failures = append(failures, &pulumirpc.CheckFailure{Property: key, Reason: fmt.Sprintf("unknown input %s = %v", key, v)})
		case (key == "create" || key == "update" || key == "delete" || key == "dir" || key == "stdin") &&
			!v.IsString() && !v.IsComputed():
			failures = append(failures, &pulumirpc.CheckFailure{Property: key, Reason: fmt.Sprintf("%s = %v: must be a string", key, v)})
		}
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

func oldsAndNews(olds, news *structpb.Struct) (resource.PropertyMap, resource.PropertyMap, error) {
	o, err := plugin.UnmarshalProperties(olds, marshal)
	if err != nil {
		return nil, nil, err
	}
	n, err := plugin.UnmarshalProperties(news, marshal)
	return o, n, err
}

func (p *commandProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, news, err := oldsAndNews(req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	ignored := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignored[k] = true
	}
	var diffs, replaces []string
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for key := range knownInputs {
		if ignored[key] {
			continue
		}
		o, n := olds[resource.PropertyKey(key)], news[resource.PropertyKey(key)]
		if !n.IsComputed() && o.DeepEquals(n) {
			continue
		}
		diffs = append(diffs, key)
		kind := pulumirpc.PropertyDiff_UPDATE
		if key == "triggers" {
			replaces = append(replaces, key)
			kind = pulumirpc.PropertyDiff_UPDATE_REPLACE
		}
		detailed[key] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	sort.Strings(diffs)
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(diffs) > 0 {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{
		Changes: changes, Diffs: diffs, Replaces: replaces, DetailedDiff: detailed, HasDetailedDiff: true,
	}, nil
}

// run executes one of create/update/delete with the resource's dir, environment, interpreter and stdin.
func run(script string, inputs resource.PropertyMap, previous resource.PropertyMap) (string, string, error) {
	interpreter := []string{"/bin/sh", "-c"}
	if v, ok := inputs["interpreter"]; ok && v.IsArray() && len(v.ArrayValue()) > 0 {
		interpreter = nil
		for _, part := range v.ArrayValue() {
			interpreter = append(interpreter, part.StringValue())
		}
	}
	cmd := exec.Command(interpreter[0], append(interpreter[1:], script)...)
	if v, ok := inputs["dir"]; ok && v.IsString() {
		cmd.Dir = v.StringValue()
	}
	cmd.Env = os.Environ()
	if v, ok := inputs["environment"]; ok && v.IsObject() {
		for k, val := range v.ObjectValue() {
			cmd.Env = append(cmd.Env, string(k)+"="+val.StringValue())
		}
	}
	addPrevious := true
	if v, ok := inputs["addPreviousOutputInEnv"]; ok && v.IsBool() {
		addPrevious = v.BoolValue()
	}
	if previous != nil && addPrevious {
		for _, name := range []string{"stdout", "stderr"} {
			if v, ok := previous[resource.PropertyKey(name)]; ok && v.IsString() {
				cmd.Env = append(cmd.Env, "PULUMI_COMMAND_"+strings.ToUpper(name)+"="+v.StringValue())
			}
		}
	}
	if v, ok := inputs["stdin"]; ok && v.IsString() {
		cmd.Stdin = strings.NewReader(v.StringValue())
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out, errOut := strings.TrimSuffix(stdout.String(), "\n"), strings.TrimSuffix(stderr.String(), "\n")
	if err != nil {
		return out, errOut, fmt.Errorf("command %q failed: %w; stderr: %s", script, err, errOut)
	}
	return out, errOut, nil
}

// outputs is the inputs plus stdout/stderr (unknown while previewing).
func outputs(inputs resource.PropertyMap, stdout, stderr *string) (*structpb.Struct, error) {
	props := inputs.Copy()
	for key, value := range map[string]*string{"stdout": stdout, "stderr": stderr} {
		if value == nil {
			props[resource.PropertyKey(key)] = resource.MakeComputed(resource.NewStringProperty(""))
		} else {
			props[resource.PropertyKey(key)] = resource.NewStringProperty(*value)
		}
	}
	return plugin.MarshalProperties(props, marshal)
}

func stringInput(inputs resource.PropertyMap, key string) string {
	if v, ok := inputs[resource.PropertyKey(key)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func (p *commandProvider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	inputs, err := plugin.UnmarshalProperties(req.GetProperties(), marshal)
	if err != nil {
		return nil, err
	}
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	id := resource.URN(req.GetUrn()).Name() + "-" + hex.EncodeToString(suffix)
	if req.GetPreview() {
		props, err := outputs(inputs, nil, nil)
		return &pulumirpc.CreateResponse{Properties: props}, err
	}
	var stdout, stderr string
	if script := stringInput(inputs, "create"); script != "" {
		if stdout, stderr, err = run(script, inputs, nil); err != nil {
			return nil, err
		}
	}
	props, err := outputs(inputs, &stdout, &stderr)
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, err
}

func (p *commandProvider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, news, err := oldsAndNews(req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		props, err := outputs(news, nil, nil)
		return &pulumirpc.UpdateResponse{Properties: props}, err
	}
	// Like pulumi-command: `update` if given, else `create` runs again.
	script := stringInput(news, "update")
	if script == "" {
		script = stringInput(news, "create")
	}
	var stdout, stderr string
	if script != "" {
		if stdout, stderr, err = run(script, news, olds); err != nil {
			return nil, err
		}
	}
	props, err := outputs(news, &stdout, &stderr)
	return &pulumirpc.UpdateResponse{Properties: props}, err
}

func (p *commandProvider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	olds, err := plugin.UnmarshalProperties(req.GetProperties(), marshal)
	if err != nil {
		return nil, err
	}
	if script := stringInput(olds, "delete"); script != "" {
		if _, _, err := run(script, olds, olds); err != nil {
			return nil, err
		}
	}
	return &emptypb.Empty{}, nil
}

// Read keeps the recorded state: a local command has nothing outside to read back.
func (p *commandProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}
