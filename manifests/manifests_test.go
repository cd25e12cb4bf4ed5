package manifests

import (
	"errors"
	"strings"
	"testing"
)

func cmdOf(s string, env map[string]string) *Cmd {
	c := &Cmd{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	for _, w := range strings.Fields(s) {
		c.Args = append(c.Args, w)
		c.Lit = append(c.Lit, true)
	}
	return c
}

func TestRecognize(t *testing.T) {
	tests := []struct {
		cmd     string
		manager string // "" when not an install
		inputs  string
		source  string // part of NeedsSource, "" when the install reads no source
		defeats int
	}{
		{"pip install -r requirements.txt", "pip", "requirements.txt", "", 0},
		{"pip3 install --no-cache-dir -r req/a.txt -c c.txt", "pip", "req/a.txt c.txt", "", 1},
		{"python3 -m pip install --upgrade pip", "pip", "", "", 0},
		{"pip install .", "pip", "", "pip install . reads the source", 0},
		{"pip install -e ./libs/x", "pip", "", "pip install -e ./libs/x", 0},
		{"pip install ./wheels/x.whl", "pip", "", "reads the source", 0},
		{"pip wheel -w /wheels -r r.txt", "pip", "r.txt", "", 0},
		{"pip list", "", "", "", 0},
		{"pip install -Ur requirements.txt", "pip", "requirements.txt", "", 0},
		{"pip install -qUr req.txt --no-cache", "pip", "req.txt", "", 1},
		{"npm install", "npm", "package.json", "", 0},
		{"npm ci --omit=dev", "npm", "package.json", "", 0},
		{"npm install -g pnpm@9", "npm", "", "", 0},
		{"npm install express", "npm", "package.json", "adds packages", 0},
		{"npm run build", "", "", "", 0},
		{"yarn install --frozen-lockfile", "yarn", "package.json", "", 0},
		{"yarn", "yarn", "package.json", "", 0},
		{"yarn build", "", "", "", 0},
		{"pnpm install --prod --frozen-lockfile", "pnpm", "package.json", "", 0},
		{"pnpm fetch", "pnpm", "pnpm-lock.yaml", "", 0},
		{"poetry install --no-root --only main", "poetry", "pyproject.toml", "", 0},
		{"poetry install", "poetry", "pyproject.toml", "without --no-root", 0},
		{"pipenv install --deploy --system", "pipenv", "Pipfile", "", 0},
		{"pipenv install requests", "pipenv", "Pipfile", "changes the Pipfile", 0},
		{"uv sync --frozen --no-install-project", "uv", "pyproject.toml", "", 0},
		{"uv sync --frozen", "uv", "pyproject.toml", "without --no-install-project", 0},
		{"uv pip install --no-cache -r r.txt", "uv", "r.txt", "", 1},
		{"apt-get install -y --no-install-recommends git", "apt", "", "", 0},
		{"apt-get -o Acquire::Retries=3 update", "apt", "", "", 0},
		{"apt-get install -y ./pkg.deb", "apt", "", "from a file", 0},
		{"apt-get clean", "", "", "", 0},
		{"python -m venv /opt/venv", "venv", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			in, ok := Recognize(cmdOf(tt.cmd, nil))
			if tt.manager == "" {
				if ok {
					t.Fatalf("recognized as %s", in.Manager.Name)
				}
				return
			}
			if !ok {
				t.Fatal("not recognized")
			}
			if in.Manager.Name != tt.manager {
				t.Errorf("manager %s, want %s", in.Manager.Name, tt.manager)
			}
			if got := strings.Join(in.Inputs, " "); got != tt.inputs {
				t.Errorf("inputs %q, want %q", got, tt.inputs)
			}
			if tt.source == "" && in.NeedsSource != "" || tt.source != "" && !strings.Contains(in.NeedsSource, tt.source) {
				t.Errorf("NeedsSource %q, want %q", in.NeedsSource, tt.source)
			}
			if len(in.Defeats) != tt.defeats {
				t.Errorf("defeats %v, want %d", in.Defeats, tt.defeats)
			}
		})
	}
}

func reader(files map[string]string) Reader {
	return func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, errors.New("missing")
	}
}

func TestFollow(t *testing.T) {
	tests := []struct {
		name   string
		cmd    string
		files  map[string]string
		inputs string
		source string
	}{
		{"pip_includes_relative_to_file", "pip install -r requirements/prod.txt", map[string]string{
			"requirements/prod.txt": "-r base.txt\n-c constraints.txt\nuvicorn==0.30.6 # pinned\n",
			"requirements/base.txt": "fastapi==0.115.0\n",
		}, "requirements/prod.txt requirements/base.txt requirements/constraints.txt", ""},
		{"pip_local_wheel", "pip install -r requirements.txt", map[string]string{
			"requirements.txt": "flask==3.0.3\n./wheels/acme-2.1.0-py3-none-any.whl\n",
		}, "requirements.txt", "requirements.txt line 2 names a local path"},
		{"pip_editable_line", "pip install -r requirements.txt", map[string]string{
			"requirements.txt": "flask \\\n  ==3.0.3\n-e ./libs/billing\n",
		}, "requirements.txt", "line 3 names a local path (-e ./libs/billing)"},
		{"pip_url_is_not_local", "pip install -r requirements.txt", map[string]string{
			"requirements.txt": "pkg @ https://example.org/pkg-1.0.tar.gz\n-e git+https://example.org/x.git#egg=x\n",
		}, "requirements.txt", ""},
		{"npm_postinstall", "npm ci", map[string]string{
			"package.json": `{"scripts":{"postinstall":"node gen.js"}}`,
		}, "package.json", `the "postinstall" script`},
		{"npm_ignore_scripts", "npm ci --ignore-scripts", map[string]string{
			"package.json": `{"scripts":{"prepare":"husky"}}`,
		}, "package.json", ""},
		{"npm_file_dependency", "npm ci", map[string]string{
			"package.json": `{"dependencies":{"lib":"file:./vendor/lib"}}`,
		}, "package.json", "local package (lib: file:./vendor/lib)"},
		{"npm_workspaces", "npm ci", map[string]string{
			"package.json": `{"workspaces":["packages/*"]}`,
		}, "package.json", "workspaces"},
		{"poetry_package_mode_false", "poetry install", map[string]string{
			"pyproject.toml": "[tool.poetry]\nname = \"x\"\npackage-mode = false\n",
		}, "pyproject.toml", ""},
		{"uv_virtual_project", "uv sync --frozen", map[string]string{
			"pyproject.toml": "[project]\nname = \"x\"\n",
		}, "pyproject.toml", ""},
		{"uv_packaged_project", "uv sync --frozen", map[string]string{
			"pyproject.toml": "[project]\nname = \"x\"\n[build-system]\nrequires = [\"hatchling\"]\n",
		}, "pyproject.toml", "installs the project itself"},
		{"pnpm_workspace", "pnpm install", map[string]string{
			"package.json": `{}`, "pnpm-workspace.yaml": "packages:\n  - apps/*\n",
		}, "package.json", "workspace packages"},
		{"pnpm_settings_only_workspace_file", "pnpm install", map[string]string{
			"package.json": `{}`, "pnpm-workspace.yaml": "onlyBuiltDependencies:\n  - esbuild\n",
		}, "package.json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, ok := Recognize(cmdOf(tt.cmd, nil))
			if !ok {
				t.Fatal("not recognized")
			}
			if in.Manager.Follow != nil {
				in.Manager.Follow(in, reader(tt.files))
			}
			if got := strings.Join(in.Inputs, " "); got != tt.inputs {
				t.Errorf("inputs %q, want %q", got, tt.inputs)
			}
			if tt.source == "" && in.NeedsSource != "" || tt.source != "" && !strings.Contains(in.NeedsSource, tt.source) {
				t.Errorf("NeedsSource %q, want %q", in.NeedsSource, tt.source)
			}
		})
	}
}

func TestCaches(t *testing.T) {
	env := func(kv ...string) Lookup {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	tests := []struct {
		m    *Manager
		env  Lookup
		want string
	}{
		{Pip, env(), "~/.cache/pip"},
		{Pip, env("PIP_CACHE_DIR", "/cache/pip/"), "/cache/pip"},
		{Pip, env("XDG_CACHE_HOME", "/xdg"), "/xdg/pip"},
		{Npm, env("npm_config_cache", "/npm-cache"), "/npm-cache"},
		{Yarn, env("YARN_CACHE_FOLDER", "/yc"), "/yc"},
		{Pnpm, env("PNPM_HOME", "/pnpm"), "/pnpm/store"},
		{Poetry, env("POETRY_VIRTUALENVS_CREATE", "false"), "~/.cache/pypoetry"},
		{Poetry, env(), "~/.cache/pypoetry/cache ~/.cache/pypoetry/artifacts"},
		{Uv, env("UV_CACHE_DIR", "/uv"), "/uv"},
		{Apt, env(), "/var/cache/apt /var/lib/apt/lists"},
	}
	for _, tt := range tests {
		var got []string
		for _, d := range tt.m.Caches(tt.env) {
			got = append(got, d.Path)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: caches %v, want %s", tt.m.Name, got, tt.want)
		}
	}
}

func TestPipEnvironment(t *testing.T) {
	in, ok := Recognize(cmdOf("pip install -r requirements.txt", map[string]string{"PIP_CONSTRAINT": "constraints/prod.txt", "PIP_CONFIG_FILE": "/app/pip.ini"}))
	if !ok || strings.Join(in.Inputs, " ") != "requirements.txt constraints/prod.txt /app/pip.ini" {
		t.Fatalf("inputs %v, want the requirements, PIP_CONSTRAINT and PIP_CONFIG_FILE", in.Inputs)
	}
	in, _ = Recognize(cmdOf("pip install -r requirements.txt", map[string]string{"PIP_FIND_LINKS": "/app/wheels"}))
	if !strings.Contains(in.NeedsSource, "PIP_FIND_LINKS") {
		t.Errorf("PIP_FIND_LINKS to a folder must read the source, got %q", in.NeedsSource)
	}
	in, _ = Recognize(cmdOf("npm install", nil))
	if strings.Join(in.Rewrites, " ") != "package-lock.json npm-shrinkwrap.json" {
		t.Errorf("npm install rewrites %v", in.Rewrites)
	}
	in, _ = Recognize(cmdOf("npm ci", nil))
	if len(in.Rewrites) != 0 || !in.Wipes {
		t.Errorf("npm ci: rewrites %v, wipes %v", in.Rewrites, in.Wipes)
	}
}
