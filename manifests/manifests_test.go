package manifests

import (
	"errors"
	"path"
	"slices"
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
		{"bundle install --jobs 4 --retry 3", "bundler", "Gemfile", "", 0},
		{"bundle", "bundler", "Gemfile", "", 0},
		{"bundle -j4", "bundler", "Gemfile", "", 0},
		{"bundle check", "bundler", "Gemfile", "", 0},
		{"bundle exec rails assets:precompile", "", "", "", 0},
		{"bundle config set --local without development", "", "", "", 0},
		{"bundle install --gemfile gems/Gemfile.ci", "bundler", "", "reads and writes beside it", 0},
		{"bundle install --without development test --jobs 4", "bundler", "Gemfile", "", 0},
		{"bundle install rails", "bundler", "", "not an install of the Gemfile", 0},
		{"gem install bundler -v 2.5.9 --no-document", "bundler", "", "", 0},
		{"gem install ./pkg/acme-1.0.gem", "bundler", "", "from the source", 0},
		{"gem install -g", "bundler", "", "Gemfile", 0},
		{"gem build acme.gemspec", "", "", "", 0},
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
	return Reader{
		Read: func(name string) ([]byte, error) {
			if s, ok := files[name]; ok {
				return []byte(s), nil
			}
			return nil, errors.New("missing")
		},
		Exists: func(name string) bool { _, ok := files[name]; return ok },
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
			"package.json": `{"scripts":{"postinstall":"node gen.js"}}`, "package-lock.json": `{}`,
		}, "package.json", `the "postinstall" script`},
		{"npm_ignore_scripts", "npm ci --ignore-scripts", map[string]string{
			"package.json": `{"scripts":{"prepare":"husky"}}`, "package-lock.json": `{}`,
		}, "package.json", ""},
		{"npm_file_dependency", "npm ci", map[string]string{
			"package.json": `{"dependencies":{"lib":"file:./vendor/lib"}}`, "package-lock.json": `{}`,
		}, "package.json", "local package (lib: file:./vendor/lib)"},
		{"npm_workspaces", "npm ci", map[string]string{
			"package.json": `{"workspaces":["packages/*"]}`, "package-lock.json": `{}`,
		}, "package.json", "workspaces"},
		{"bundler_ruby_version_file", "bundle install --frozen", map[string]string{
			"Gemfile": "source \"https://rubygems.org\"\nruby file: \".ruby-version\"\ngem \"rails\", \"~> 7.1\" # web\ngem \"tzinfo-data\", platforms: %i[ windows jruby ]\n", "Gemfile.lock": "GEM\n",
		}, "Gemfile .ruby-version", ""},
		{"bundler_file_read_version", "bundle install", map[string]string{
			"Gemfile": "ruby File.read(\".ruby-version\").strip\ngem 'pg'\n",
		}, "Gemfile .ruby-version", ""},
		{"bundler_gemspec", "bundle install", map[string]string{
			"Gemfile": "source \"https://rubygems.org\"\ngemspec\n",
		}, "Gemfile", "gemspec line"},
		{"bundler_path_gem", "bundle install", map[string]string{
			"Gemfile": "gem \"billing\", path: \"engines/billing\"\n",
		}, "Gemfile", "reads the project"},
		{"bundler_path_block", "bundle install", map[string]string{
			"Gemfile": "path \"components\" do\n  gem \"core\"\nend\n",
		}, "Gemfile", "local path"},
		{"bundler_eval_gemfile", "bundle install", map[string]string{
			"Gemfile": "eval_gemfile \"Gemfile.shared\"\n",
		}, "Gemfile", "does not read"},
		{"bundler_read_file", "bundle install", map[string]string{
			"Gemfile": "source \"https://rubygems.org\"\ninstance_eval Bundler.read_file(\"Gemfile.common\")\n",
		}, "Gemfile", "does not read"},
		{"bundler_yaml_in_gem_line", "bundle install", map[string]string{
			"Gemfile": "gem \"x\", YAML.load_file(\"v.yml\")[\"x\"]\n",
		}, "Gemfile", "reads the project"},
		{"bundler_eval_no_space", "bundle install", map[string]string{
			"Gemfile": "eval_gemfile\"Gemfile.common\"\n",
		}, "Gemfile", "does not read"},
		{"bundler_local_git", "bundle install", map[string]string{
			"Gemfile": "gem \"core\", git: \"engines/core.git\"\n",
		}, "Gemfile", "git repository in the project"},
		{"bundler_multiline_gem", "bundle install --frozen", map[string]string{
			"Gemfile": "gem \"rails\",\n  \"~> 7.1\",\n  require: false\ngroup :test do\n  gem \"rspec\"\nend\n", "Gemfile.lock": "GEM\n",
		}, "Gemfile", ""},
		{"bundler_host_vendor_bundle", "bundle install --frozen", map[string]string{
			"Gemfile": "gem \"x\"\n", "vendor/bundle": "",
		}, "Gemfile", "configured elsewhere"},
		{"bundler_lock_path_section", "bundle install", map[string]string{
			"Gemfile": "gem \"x\"\n", "Gemfile.lock": "PATH\n  remote: vendor/x\n  specs:\n    x (1.0)\n\nGEM\n",
		}, "Gemfile", "local paths (PATH)"},
		{"bundler_vendor_cache", "bundle install", map[string]string{
			"Gemfile": "gem \"x\"\n", "vendor/cache": "",
		}, "Gemfile", "vendor/cache"},
		{"bundler_gems_rb", "bundle install", map[string]string{
			"gems.rb": "gem \"x\"\n", "gems.locked": "GEM\n",
		}, "gems.rb", ""},
		{"bundler_git_gem_is_remote", "bundle install", map[string]string{
			"Gemfile": "gem \"x\", git: \"https://github.com/a/x.git\", branch: \"main\"\ngem \"y\", github: \"a/y\"\n",
		}, "Gemfile", ""},
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

		// Prisma: @prisma/client's postinstall runs prisma generate, which reads the schema.
		{"prisma_client", "npm ci", map[string]string{
			"package.json": `{"dependencies":{"@prisma/client":"^5.22.0"}}`, "package-lock.json": `{}`,
		}, "package.json", "@prisma/client runs prisma generate on install, which reads the Prisma schema from the project (prisma/schema.prisma)"},
		{"prisma_cli_dev_dependency", "npm ci", map[string]string{
			"package.json": `{"devDependencies":{"prisma":"^5.22.0"}}`, "package-lock.json": `{}`,
		}, "package.json", "prisma generate"},
		{"prisma_schema_key", "yarn install --frozen-lockfile", map[string]string{
			"package.json": `{"prisma":{"schema":"db/schema.prisma"}}`, "yarn.lock": "",
		}, "package.json", "(db/schema.prisma)"},
		{"prisma_ignore_scripts", "npm ci --ignore-scripts", map[string]string{
			"package.json": `{"dependencies":{"@prisma/client":"^5.22.0"},"prisma":{"schema":"db/schema.prisma"}}`, "package-lock.json": `{}`,
		}, "package.json", ""},
		{"prisma_other_scope_is_not_prisma", "npm ci", map[string]string{
			"package.json": `{"dependencies":{"@prisma/instrumentation":"^5.22.0"}}`, "package-lock.json": `{}`,
		}, "package.json", ""},

		// Puppeteer reads its configuration file (here or in a folder above) on install.
		{"puppeteer_config", "npm ci", map[string]string{
			"package.json": `{"dependencies":{"puppeteer":"^23.0.0"}}`, "package-lock.json": `{}`, ".puppeteerrc.cjs": "module.exports = {}",
		}, "package.json", "puppeteer's install reads its configuration from the project (.puppeteerrc.cjs)"},
		{"puppeteer_config_above", "npm ci", map[string]string{
			"package.json": `{"devDependencies":{"puppeteer":"^23.0.0"}}`, "package-lock.json": `{}`, "../puppeteer.config.ts": "export default {}",
		}, "package.json", "(../puppeteer.config.ts)"},
		{"puppeteer_without_config", "npm ci", map[string]string{
			"package.json": `{"dependencies":{"puppeteer":"^23.0.0"}}`, "package-lock.json": `{}`,
		}, "package.json", ""},
		{"puppeteer_ignore_scripts", "npm ci --ignore-scripts", map[string]string{
			"package.json": `{"dependencies":{"puppeteer":"^23.0.0"}}`, "package-lock.json": `{}`, ".puppeteerrc.json": "{}",
		}, "package.json", ""},
		{"puppeteer_config_without_puppeteer", "npm ci", map[string]string{
			"package.json": `{"dependencies":{"puppeteer-core":"^23.0.0"}}`, "package-lock.json": `{}`, ".puppeteerrc.cjs": "module.exports = {}",
		}, "package.json", ""},

		// pnpm patches declared in pnpm-workspace.yaml (pnpm 10) or recorded in the lockfile.
		{"pnpm_workspace_patches", "pnpm install --frozen-lockfile", map[string]string{
			"package.json": `{}`, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
			"pnpm-workspace.yaml": "patchedDependencies:\n  express@4.21.2: patches/express@4.21.2.patch\n",
		}, "package.json", "pnpm-workspace.yaml patches dependencies with files from the project"},
		{"pnpm_lock_patches", "pnpm install --frozen-lockfile", map[string]string{
			"package.json": `{}`, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n\npatchedDependencies:\n  express@4.21.2:\n    hash: abc\n    path: patches/express@4.21.2.patch\n",
		}, "package.json", "pnpm-lock.yaml patches dependencies with files from the project"},
		{"pnpm_fetch_lock_patches", "pnpm fetch", map[string]string{
			"pnpm-lock.yaml": "lockfileVersion: '9.0'\npatchedDependencies:\n  express@4.21.2: abc\n",
		}, "pnpm-lock.yaml", "pnpm-lock.yaml patches dependencies"},
		{"pnpm_nested_patches_key", "pnpm install --frozen-lockfile", map[string]string{
			"package.json": `{}`, "pnpm-lock.yaml": "lockfileVersion: '9.0'\nsettings:\n  patchedDependencies: {}\n",
		}, "package.json", ""},

		// Frozen installs need their lockfile: without one, the context is probably wrong.
		{"npm_ci_without_lock", "npm ci --omit=dev", map[string]string{
			"package.json": `{}`,
		}, "package.json", "npm ci needs package-lock.json or npm-shrinkwrap.json, which the build context does not have: the build probably uses another context (pass --context)"},
		{"npm_ci_shrinkwrap", "npm ci", map[string]string{
			"package.json": `{}`, "npm-shrinkwrap.json": `{}`,
		}, "package.json", ""},
		{"npm_ci_workspace_root_lock", "npm ci", map[string]string{
			"package.json": `{}`, "../../package-lock.json": `{}`,
		}, "package.json", ""},
		{"npm_ci_without_package_json", "npm ci", map[string]string{}, "package.json", ""},
		{"npm_install_without_lock", "npm install", map[string]string{
			"package.json": `{}`,
		}, "package.json", ""},
		{"yarn_frozen_without_lock", "yarn install --frozen-lockfile", map[string]string{
			"package.json": `{}`,
		}, "package.json", "yarn install --frozen-lockfile needs yarn.lock, which the build context does not have"},
		{"yarn_immutable_without_lock", "yarn --immutable", map[string]string{
			"package.json": `{}`,
		}, "package.json", "yarn install --immutable needs yarn.lock"},
		{"yarn_without_lock", "yarn install", map[string]string{
			"package.json": `{}`,
		}, "package.json", ""},
		{"pnpm_frozen_without_lock", "pnpm install --prod --frozen-lockfile", map[string]string{
			"package.json": `{}`,
		}, "package.json", "pnpm install --frozen-lockfile needs pnpm-lock.yaml"},
		{"pnpm_not_frozen_without_lock", "pnpm install --frozen-lockfile=false", map[string]string{
			"package.json": `{}`,
		}, "package.json", ""},

		// Yarn Plug'n'Play files are outputs: the context's would replace the install's.
		{"yarn_pnp_files", "yarn install --immutable", map[string]string{
			"package.json": `{}`, "yarn.lock": "", ".yarnrc.yml": "nodeLinker: pnp\n", ".pnp.cjs": "",
		}, "package.json", "the context holds .pnp.cjs, which the install writes"},
		{"yarn_pnp_loader_only", "yarn install --immutable", map[string]string{
			"package.json": `{}`, "yarn.lock": "", ".pnp.loader.mjs": "",
		}, "package.json", "holds .pnp.loader.mjs,"},
		{"yarn_offline_mirror", "yarn install --frozen-lockfile --offline", map[string]string{
			"package.json": `{}`, "yarn.lock": "", ".yarnrc": "yarn-offline-mirror \"./npm-packages-offline-cache\"\n",
		}, "package.json", "offline mirror (./npm-packages-offline-cache)"},
		{"nx_postinstall", "npm ci", map[string]string{
			"package.json": `{"devDependencies": {"nx": "19.0.0"}}`, "package-lock.json": "{}", "nx.json": "{}",
		}, "package.json", "nx's postinstall reads nx.json"},
		{"nx_without_config", "npm ci", map[string]string{
			"package.json": `{"devDependencies": {"nx": "19.0.0"}}`, "package-lock.json": "{}",
		}, "package.json", ""},
		{"yarn_install_state", "yarn install --immutable", map[string]string{
			"package.json": `{}`, "yarn.lock": "", ".yarnrc.yml": "nodeLinker: node-modules\n", ".yarn/install-state.gz": "x",
		}, "package.json", "holds .yarn/install-state.gz,"},

		// go.work is found in the working directory or any folder above it.
		{"go_work_here", "go mod download", map[string]string{
			"go.mod": "module example.com/x\n", "go.work": "go 1.22\n",
		}, "go.mod", "go.work lists workspace modules"},
		{"go_work_above", "go mod download", map[string]string{
			"go.mod": "module example.com/x\n", "../../go.work": "go 1.22\nuse ./services/x\n",
		}, "go.mod", "../../go.work lists workspace modules"},
		{"go_work_at_root", "go mod download", map[string]string{
			"go.mod": "module example.com/x\n", "/go.work": "go 1.22\n",
		}, "go.mod", "go.work lists workspace modules"},
		{"go_without_work", "go mod download", map[string]string{
			"go.mod": "module example.com/x\n", "go.sum": "",
		}, "go.mod", ""},
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
	for _, tt := range []struct {
		cmd     string
		env     map[string]string
		folders string
	}{
		{"pip install -r requirements.txt", map[string]string{"PIP_FIND_LINKS": "/app/wheels https://x.example/simple"}, "/app/wheels"},
		{"pip install -r requirements.txt", map[string]string{"PIP_INDEX_URL": "file:///app/pypi/simple"}, "/app/pypi/simple"},
		{"pip install -i file:///pypi/simple --extra-index-url https://pypi.org/simple x", nil, "/pypi/simple"},
		{"pip install -f ./wheels x", nil, "./wheels"},
		{"pip install --index-url https://pypi.org/simple x", nil, ""},
	} {
		in, _ = Recognize(cmdOf(tt.cmd, tt.env))
		if got := strings.Join(in.Folders, " "); got != tt.folders || in.NeedsSource != "" {
			t.Errorf("%s %v: folders %q (NeedsSource %q), want %q", tt.cmd, tt.env, got, in.NeedsSource, tt.folders)
		}
	}
	in, _ = Recognize(cmdOf("pip install --cert certs/ca.pem -r r.txt", map[string]string{"REQUESTS_CA_BUNDLE": "/app/ca.pem"}))
	if got := strings.Join(in.Inputs, " "); got != "certs/ca.pem r.txt /app/ca.pem" {
		t.Errorf("certificates: inputs %q", got)
	}
	in, _ = Recognize(cmdOf("pip install --user -r r.txt", map[string]string{"PYTHONUSERBASE": "/app/pydeps"}))
	if got := strings.Join(in.Outputs, " "); got != "/app/pydeps" {
		t.Errorf("PYTHONUSERBASE: outputs %q", got)
	}
	for _, tt := range []struct {
		cmd     string
		env     map[string]string
		outputs string
	}{
		{"pip install -r r.txt", map[string]string{"PATH": "/app/.venv/bin:/usr/local/bin:/usr/bin"}, "/app/.venv"},
		{"pip install -r r.txt", map[string]string{"PATH": "/root/.local/bin:/usr/local/bin"}, ""},
		{"pip install -r r.txt", map[string]string{"VIRTUAL_ENV": "/opt/venv"}, "/opt/venv"},
		{".venv/bin/pip install -r r.txt", nil, ".venv"},
		{"/app/.venv/bin/python -m pip install -r r.txt", nil, "/app/.venv"},
		{"pip install --target ./deps -r r.txt", map[string]string{"VIRTUAL_ENV": "/opt/venv"}, "./deps"},
	} {
		in, _ := Recognize(cmdOf(tt.cmd, tt.env))
		if got := strings.Join(in.Outputs, " "); got != tt.outputs {
			t.Errorf("%s %v: outputs %q, want %q", tt.cmd, tt.env, got, tt.outputs)
		}
	}
	if in, _ := Recognize(cmdOf("pip install -r r.txt", map[string]string{"PIP_CACHE_DIR": ".cache/pip"})); !strings.Contains(in.NoCache, "relative") {
		t.Errorf("a relative PIP_CACHE_DIR: NoCache %q", in.NoCache)
	}
	if d := Pip.Caches(func(k string) (string, bool) { return ".cache/pip", k == "PIP_CACHE_DIR" }); len(d) != 0 {
		t.Errorf("a relative PIP_CACHE_DIR gets a mount at %v", d)
	}
	in, _ = Recognize(cmdOf("pip install -r r.txt", nil))
	Pip.Follow(in, reader(map[string]string{"r.txt": "x\n", "/etc/pip.conf": "[global]\nno-index = true\nfind-links = /app/vendor/wheels\n[install]\nconstraint = /app/constraints/prod.txt\n"}))
	if strings.Join(in.Folders, " ") != "/app/vendor/wheels" || !slices.Contains(in.Inputs, "/app/constraints/prod.txt") {
		t.Errorf("pip.conf: folders %v, inputs %v", in.Folders, in.Inputs)
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

func TestGoWorkEnvironment(t *testing.T) {
	files := map[string]string{"go.mod": "module example.com/x\n", "../go.work": "go 1.22\n", "/work/dev.work": "go 1.22\n"}
	tests := []struct {
		env    map[string]string
		source string
	}{
		{nil, "../go.work lists workspace modules"},
		{map[string]string{"GOWORK": "auto"}, "../go.work lists workspace modules"},
		{map[string]string{"GOWORK": "off"}, ""},
		{map[string]string{"GOWORK": "/work/dev.work"}, "/work/dev.work lists workspace modules"},
		{map[string]string{"GOWORK": "/work/missing.work"}, ""},
	}
	for _, tt := range tests {
		in, ok := Recognize(cmdOf("go mod download", tt.env))
		if !ok {
			t.Fatal("not recognized")
		}
		in.Manager.Follow(in, reader(files))
		if tt.source == "" && in.NeedsSource != "" || tt.source != "" && !strings.Contains(in.NeedsSource, tt.source) {
			t.Errorf("GOWORK=%q: NeedsSource %q, want %q", tt.env["GOWORK"], in.NeedsSource, tt.source)
		}
	}
	// A command without an environment searches upward too.
	in, _ := Recognize(&Cmd{Args: []string{"go", "mod", "download"}, Lit: []bool{true, true, true}})
	in.Manager.Follow(in, reader(files))
	if !strings.Contains(in.NeedsSource, "../go.work") {
		t.Errorf("without an environment: NeedsSource %q", in.NeedsSource)
	}
}

func TestYarnFiles(t *testing.T) {
	in, ok := Recognize(cmdOf("yarn install --frozen-lockfile", nil))
	if !ok {
		t.Fatal("not recognized")
	}
	opt := " " + strings.Join(in.Optional, " ") + " "
	if !strings.Contains(opt, " .yarnclean ") {
		t.Errorf("optional files %v lack .yarnclean", in.Optional)
	}
	for _, out := range []string{".pnp.cjs", ".pnp.loader.mjs"} {
		if strings.Contains(opt, " "+out+" ") || strings.Contains(" "+strings.Join(in.Inputs, " ")+" ", " "+out+" ") {
			t.Errorf("%s, which the install writes, is among its inputs %v %v", out, in.Inputs, in.Optional)
		}
		if IsManifest(out) {
			t.Errorf("%s is a manifest", out)
		}
	}
	if !IsManifest("web/.yarnclean") {
		t.Error(".yarnclean is not a manifest")
	}
}

// pyCmd builds a Cmd from words as the shell leaves them (a quoted word may hold spaces).
func pyCmd(env map[string]string, words ...string) *Cmd {
	c := cmdOf("", env)
	for _, w := range words {
		c.Args = append(c.Args, w)
		c.Lit = append(c.Lit, true)
	}
	return c
}

// pyFollowed recognizes and follows words against files.
func pyFollowed(t *testing.T, env map[string]string, files map[string]string, words ...string) *Install {
	t.Helper()
	in, ok := Recognize(pyCmd(env, words...))
	if !ok {
		t.Fatalf("%v not recognized", words)
	}
	if in.Manager.Follow != nil {
		in.Manager.Follow(in, reader(files))
	}
	return in
}

// Local paths with extras, file: direct references and requirement-file lines that name
// the project all read the source (fixes 1-3).
func TestPipLocalRequirements(t *testing.T) {
	tests := []struct {
		words  []string
		files  map[string]string
		source string // part of NeedsSource, "" when the install reads no source
	}{
		{[]string{"pip", "install", ".[dev]"}, nil, "pip install .[dev] reads the source"},
		{[]string{"pip", "install", "--no-cache-dir", ".[server]"}, nil, "pip install .[server] reads the source"},
		{[]string{"pip", "install", "..[x,y]"}, nil, "reads the source"},
		{[]string{"pip", "install", "./pkg[x]"}, nil, "reads the source"},
		{[]string{"pip", "install", "src/pkg[extra]"}, nil, "reads the source"},
		{[]string{"python", "-m", "pip", "install", ".[dev]; python_version >= '3.9'"}, nil, "reads the source"},
		{[]string{"uv", "pip", "install", "--system", ".[test]"}, nil, "reads the source"},
		{[]string{"pip", "install", "mylib @ file:///app/libs/mylib"}, nil, "file:///app/libs/mylib"},
		{[]string{"pip", "install", "mylib[fast] @ file:///app/libs/mylib"}, nil, "reads the source"},
		{[]string{"pip", "install", "mylib@file:///app/libs/mylib"}, nil, "reads the source"},
		{[]string{"pip", "install", "mylib", "@", "file:///app/libs/mylib"}, nil, "reads the source"},
		{[]string{"pip", "install", "file:./libs/mylib"}, nil, "reads the source"},
		{[]string{"pip", "install", "mylib @ git+file:///app/vendor/mylib.git"}, nil, "reads the source"},
		{[]string{"pip", "install", "-f", "file:///app/wheels", "acme"}, nil, ""}, // a folder: judged against the copy
		// Packages with extras, URLs and VCS references read nothing of the context.
		{[]string{"pip", "install", "uvicorn[standard]==0.30.6", "fastapi[all]"}, nil, ""},
		{[]string{"pip", "install", "pkg @ https://example.org/pkg-1.0.tar.gz"}, nil, ""},
		{[]string{"pip", "install", "git+ssh://git@github.com/acme/lib.git@v1.2#egg=lib"}, nil, ""},
		{[]string{"pip", "install", "lib@git+https://github.com/acme/lib.git@v1.2"}, nil, ""},

		// Lines of requirement files, followed through -r.
		{[]string{"pip", "install", "-r", "requirements.txt"}, map[string]string{
			"requirements.txt":      "-r requirements/test.txt\n",
			"requirements/test.txt": "pytest==8.3.2\n.[test]\n",
		}, "requirements/test.txt line 2 names a local path (.[test])"},
		{[]string{"pip", "install", "-r", "requirements.txt"}, map[string]string{
			"requirements.txt": "-e .[dev]\n",
		}, "line 1 names a local path (-e .[dev])"},
		{[]string{"pip", "install", "-r", "requirements.txt"}, map[string]string{
			"requirements.txt": "flask==3.0.3\n./libs/x[y]\n",
		}, "line 2 names a local path (./libs/x[y])"},
		{[]string{"pip", "install", "-r", "requirements.txt"}, map[string]string{
			"requirements.txt": ".[test] ; python_version >= \"3.9\"\n",
		}, "line 1 names a local path (.[test])"},
		{[]string{"pip", "install", "-r", "requirements.txt"}, map[string]string{
			"requirements.txt": "mylib@file:///app/libs/mylib\n",
		}, "line 1 names a local path (file:///app/libs/mylib)"},
		{[]string{"pip", "install", "-r", "requirements.txt"}, map[string]string{
			"requirements.txt": "-e file:///app/libs/mylib\n",
		}, "line 1 names a local path"},
		{[]string{"pip", "install", "-r", "requirements.txt"}, map[string]string{
			"requirements.txt": "requests[socks]==2.32.3 --hash=sha256:abc\nlib @ git+https://github.com/acme/lib.git@v1\n",
		}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.words, " "), func(t *testing.T) {
			in := pyFollowed(t, nil, tt.files, tt.words...)
			if tt.source == "" && in.NeedsSource != "" || tt.source != "" && !strings.Contains(in.NeedsSource, tt.source) {
				t.Errorf("NeedsSource %q, want %q", in.NeedsSource, tt.source)
			}
		})
	}
}

// pip install --group reads the dependency groups of pyproject.toml (fix 4).
func TestPipDependencyGroups(t *testing.T) {
	pyproject := "[project]\nname = \"app\"\nversion = \"1.0\"\nreadme = \"docs/README.md\"\n\n[tool.setuptools]\npackages = [\n  \"src/app\",\n]\n\n[dependency-groups]\ndev = [\n  \"pytest>=8\",\n  {include-group = \"lint\"},\n]\nlint = [\"ruff\"]\n"
	tests := []struct {
		words          []string
		files          map[string]string
		inputs, source string
	}{
		{[]string{"pip", "install", "--group", "dev"}, map[string]string{"pyproject.toml": pyproject}, "pyproject.toml", ""},
		{[]string{"pip", "install", "--group=dev", "--group", "lint", "-r", "requirements.txt"}, map[string]string{"pyproject.toml": pyproject, "requirements.txt": "flask\n"}, "pyproject.toml requirements.txt", ""},
		{[]string{"pip", "install", "--group", "services/api/pyproject.toml:test"}, nil, "services/api/pyproject.toml", ""},
		{[]string{"uv", "pip", "install", "--system", "--group", "dev"}, map[string]string{"pyproject.toml": pyproject}, "pyproject.toml", ""},
		{[]string{"pip", "install", "--group", "dev"}, map[string]string{
			"pyproject.toml": "[dependency-groups]\ndev = [\n  \"mylib @ file:///app/libs/mylib\",\n]\n",
		}, "pyproject.toml", "file:///app/libs/mylib"},
		// uv reads a pyproject.toml named by -r for the project's dependencies: dynamic ones
		// are computed by building the project.
		{[]string{"uv", "pip", "install", "--system", "-r", "pyproject.toml"}, map[string]string{
			"pyproject.toml": "[project]\nname = \"app\"\ndynamic = [\"version\", \"dependencies\"]\n",
		}, "pyproject.toml", "dynamic"},
		{[]string{"uv", "pip", "install", "--system", "-r", "pyproject.toml"}, map[string]string{
			"pyproject.toml": "[project]\nname = \"app\"\ndynamic = [\"version\"]\ndependencies = [\"flask\"]\n",
		}, "pyproject.toml", ""},
		{[]string{"uv", "pip", "install", "--system", "-r", "setup.py"}, nil, "setup.py", "setup.py"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.words, " "), func(t *testing.T) {
			in := pyFollowed(t, nil, tt.files, tt.words...)
			if got := strings.Join(in.Inputs, " "); got != tt.inputs {
				t.Errorf("inputs %q, want %q", got, tt.inputs)
			}
			if tt.source == "" && in.NeedsSource != "" || tt.source != "" && !strings.Contains(in.NeedsSource, tt.source) {
				t.Errorf("NeedsSource %q, want %q", in.NeedsSource, tt.source)
			}
		})
	}
}

// The spellings of requirement and constraint flags, uv's included, and URLs as their
// values (fixes 5 and 6).
func TestPipRequirementFlags(t *testing.T) {
	tests := []struct {
		cmd    string
		env    map[string]string
		inputs string
	}{
		{"pip install --requirement=requirements.txt --constraint c.txt", nil, "requirements.txt c.txt"},
		{"pip install -c constraints.txt --editable=git+https://example.org/x.git#egg=x", nil, "constraints.txt"},
		{"pip install -r requirements.txt --root-user-action ignore", nil, "requirements.txt"},
		{"pip install --build-constraint build.txt -r r.txt", nil, "build.txt r.txt"},
		{"uv pip install --requirements requirements.txt", nil, "requirements.txt"},
		{"uv pip install --requirements=requirements.txt --constraints constraints.txt", nil, "requirements.txt constraints.txt"},
		{"uv pip install -r r.txt --override overrides.txt --overrides o2.txt", nil, "r.txt overrides.txt o2.txt"},
		{"uv pip install -r r.txt --build-constraints bc.txt -b bc2.txt --build-constraint=bc3.txt", nil, "r.txt bc.txt bc2.txt bc3.txt"},
		{"uv pip install --system -r r.txt --excludes ex.txt -p /usr/local/bin/python3", nil, "r.txt ex.txt"},
		{"uv pip install -r r.txt --link-mode copy --python-platform linux", nil, "r.txt"},
		{"uv pip sync requirements.lock -c constraints.txt --python /opt/venv/bin/python", nil, "requirements.lock constraints.txt"},
		{"uv pip install -r r.txt", map[string]string{"UV_CONSTRAINT": "c1.txt c2.txt", "UV_OVERRIDE": "o.txt"}, "r.txt c1.txt c2.txt o.txt"},
		// A URL is no file of the build context; a file: URL is.
		{"pip install -r requirements.txt -c https://raw.githubusercontent.com/apache/airflow/constraints-2.9.3/constraints-3.8.txt", nil, "requirements.txt"},
		{"uv pip install -r requirements.txt --constraints https://example.org/c.txt", nil, "requirements.txt"},
		{"pip install -r file:///app/requirements.txt", nil, "/app/requirements.txt"},
		{"pip install -r requirements.txt", map[string]string{"PIP_CONSTRAINT": "https://example.org/c.txt"}, "requirements.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			in, ok := Recognize(cmdOf(tt.cmd, tt.env))
			if !ok {
				t.Fatal("not recognized")
			}
			if got := strings.Join(in.Inputs, " "); got != tt.inputs {
				t.Errorf("inputs %q, want %q", got, tt.inputs)
			}
			if in.NeedsSource != "" {
				t.Errorf("NeedsSource %q, want none", in.NeedsSource)
			}
		})
	}
	// Requirement files that include a URL: the URL is not followed as a context file.
	in := pyFollowed(t, nil, map[string]string{
		"requirements.txt": "-c https://raw.githubusercontent.com/apache/airflow/constraints-2.9.3/constraints-3.8.txt\n-r https://example.org/base.txt\n--requirement=extra.txt\nflask\n",
		"extra.txt":        "click\n",
	}, "pip", "install", "-r", "requirements.txt")
	if got := strings.Join(in.Inputs, " "); got != "requirements.txt extra.txt" || in.NeedsSource != "" {
		t.Errorf("inputs %q, NeedsSource %q; want requirements.txt extra.txt and none", got, in.NeedsSource)
	}
}

// Only a key named path is a path dependency, not one that ends in "path" (fix 7).
func TestTomlLocalDependencies(t *testing.T) {
	tests := []struct {
		name, cmd, file, data, source string
	}{
		{"poetry_dpath", "poetry install --no-root", "pyproject.toml", "[tool.poetry.dependencies]\npython = \"^3.11\"\ndpath = \"^2.1.6\"\nclasspath = { version = \"^1.0\" }\n", ""},
		{"poetry_inline_path", "poetry install --no-root", "pyproject.toml", "[tool.poetry.dependencies]\nlib = { path = \"../lib\", develop = true }\n", "local path dependency"},
		{"poetry_inline_path_later_key", "poetry install --no-root", "pyproject.toml", "[tool.poetry.dependencies]\nlib = {develop=true,path='../lib'}\n", "local path dependency"},
		{"poetry_path_subtable", "poetry install --no-root", "pyproject.toml", "[tool.poetry.group.dev.dependencies.lib]\npath = \"libs/lib\"\n", "local path dependency"},
		{"poetry_dotted_path", "poetry install --no-root", "pyproject.toml", "[tool.poetry.dependencies]\nlib.path = \"libs/lib\"\n", "local path dependency"},
		{"poetry_other_tools_paths", "poetry install --no-root", "pyproject.toml", "[build-system]\nbackend-path = [\".\"]\n[tool.hatch.version]\npath = \"src/app/__about__.py\"\n[tool.poetry.dependencies]\nmypath = \"^1\"\n", ""},
		{"poetry_project_file_reference", "poetry install --no-root", "pyproject.toml", "[project]\nname = \"app\"\ndependencies = [\n  \"lib @ file:///app/libs/lib\",\n]\n", "file:///app/libs/lib"},
		{"uv_dpath", "uv sync --frozen --no-install-project", "pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\"dpath>=2\"]\n[tool.uv.sources]\nclasspath = { index = \"internal\" }\n", ""},
		{"uv_path_source", "uv sync --frozen --no-install-project", "pyproject.toml", "[project]\nname = \"x\"\n[tool.uv.sources]\nlib = { path = \"libs/lib\", editable = true }\n", "local path source"},
		{"pipenv_dpath", "pipenv install --deploy --system", "Pipfile", "[packages]\ndpath = \"*\"\n", ""},
		{"pipenv_path", "pipenv install --deploy --system", "Pipfile", "[packages]\nlib = {path = \"./lib\", editable = true}\n", "local path dependency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := pyFollowed(t, nil, map[string]string{tt.file: tt.data}, strings.Fields(tt.cmd)...)
			if tt.source == "" && in.NeedsSource != "" || tt.source != "" && !strings.Contains(in.NeedsSource, tt.source) {
				t.Errorf("NeedsSource %q, want %q", in.NeedsSource, tt.source)
			}
		})
	}
}

// uv in symlink mode leaves links into its cache in the environment: no cache mount (fix 8).
func TestUvSymlinkMode(t *testing.T) {
	project := map[string]string{"pyproject.toml": "[project]\nname = \"x\"\n"}
	tests := []struct {
		cmd     string
		env     map[string]string
		files   map[string]string
		nocache string
	}{
		{"uv sync --frozen --no-install-project", map[string]string{"UV_LINK_MODE": "symlink"}, project, "UV_LINK_MODE=symlink"},
		{"uv sync --frozen --link-mode symlink", nil, project, "--link-mode symlink"},
		{"uv pip install --system --link-mode=symlink -r r.txt", nil, nil, "--link-mode symlink"},
		{"uv pip sync r.txt", map[string]string{"UV_LINK_MODE": "symlink"}, nil, "UV_LINK_MODE=symlink"},
		{"uv sync --frozen", nil, map[string]string{"pyproject.toml": "[project]\nname = \"x\"\n[tool.uv]\nlink-mode = \"symlink\"\n"}, "link-mode = \"symlink\""},
		{"uv sync --frozen", nil, map[string]string{"pyproject.toml": "[project]\nname = \"x\"\n", "uv.toml": "link-mode = 'symlink'\n"}, "uv.toml"},
		// The command line wins over the environment, which wins over the files.
		{"uv sync --frozen --link-mode copy", map[string]string{"UV_LINK_MODE": "symlink"}, project, ""},
		{"uv sync --frozen", map[string]string{"UV_LINK_MODE": "copy"}, map[string]string{"pyproject.toml": "[project]\nname = \"x\"\n[tool.uv]\nlink-mode = \"symlink\"\n"}, ""},
		{"uv sync --frozen", map[string]string{"UV_LINK_MODE": "hardlink"}, project, ""},
		{"uv pip install -r r.txt", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			in := pyFollowed(t, tt.env, tt.files, strings.Fields(tt.cmd)...)
			if tt.nocache == "" && in.NoCache != "" || tt.nocache != "" && !strings.Contains(in.NoCache, tt.nocache) {
				t.Errorf("NoCache %q, want %q", in.NoCache, tt.nocache)
			}
		})
	}
}

// npm --cache moves the cache: the mount must go there, or nowhere.
func TestNpmCacheFlag(t *testing.T) {
	for line, want := range map[string]string{
		"npm ci --omit=dev --cache /tmp/npm-cache": "/tmp/npm-cache",
		"npm install --cache=/var/npm/":            "/var/npm",
		"npm ci":                                   "",
	} {
		in, ok := Recognize(cmdOf(line, nil))
		if !ok {
			t.Fatalf("%s: not recognized", line)
		}
		got := ""
		if len(in.CacheDirs) > 0 {
			got = in.CacheDirs[0].Path
		}
		if got != want || in.NeedsSource != "" {
			t.Errorf("%s: cache %q (needs source %q), want %q", line, got, in.NeedsSource, want)
		}
	}
	if in, _ := Recognize(cmdOf("npm ci --cache .npm", nil)); in.NoCache == "" {
		t.Error("npm ci --cache .npm: a relative cache folder should get no mount")
	}
}

// Cache folders set in configuration files move the mount, unless a flag or the
// environment sets them first.
func TestConfiguredCache(t *testing.T) {
	for _, tc := range []struct {
		cmd   string
		env   map[string]string
		files map[string]string
		want  string
	}{
		{"npm ci", nil, map[string]string{"package.json": `{}`, "package-lock.json": "{}", ".npmrc": "cache=/app/.npm-cache\n"}, "/app/.npm-cache"},
		{"npm ci", map[string]string{"npm_config_cache": "/x"}, map[string]string{"package.json": `{}`, "package-lock.json": "{}", ".npmrc": "cache=/app/.npm-cache\n"}, ""},
		{"npm ci --cache /flag", nil, map[string]string{"package.json": `{}`, "package-lock.json": "{}", ".npmrc": "cache=/app/.npm-cache\n"}, "/flag"},
		{"yarn install --frozen-lockfile", nil, map[string]string{"package.json": `{}`, "yarn.lock": "", ".yarnrc": "cache-folder \"/app/.yarn-cache\"\n"}, "/app/.yarn-cache"},
		{"pnpm install --frozen-lockfile", nil, map[string]string{"package.json": `{}`, "pnpm-lock.yaml": "", ".npmrc": "store-dir=/app/.pnpm-store\n"}, "/app/.pnpm-store"},
		{"pip install -r requirements.txt", nil, map[string]string{"requirements.txt": "flask\n", "/etc/pip.conf": "[global]\ncache-dir = /var/cache/pip\n"}, "/var/cache/pip"},
	} {
		in, ok := Recognize(cmdOf(tc.cmd, tc.env))
		if !ok {
			t.Fatalf("%s: not recognized", tc.cmd)
		}
		in.Manager.Follow(in, reader(tc.files))
		got := ""
		if len(in.CacheDirs) > 0 {
			got = in.CacheDirs[0].Path
		}
		if got != tc.want {
			t.Errorf("%s with %v: cache %q, want %q", tc.cmd, tc.files, got, tc.want)
		}
	}
	in, _ := Recognize(cmdOf("pip install -r requirements.txt", nil))
	in.Manager.Follow(in, reader(map[string]string{"requirements.txt": "flask\n", "/etc/pip.conf": "[global]\nno-cache-dir = true\n"}))
	if in.NoCache == "" {
		t.Error("pip.conf's no-cache-dir should leave the install without a mount")
	}
}

func TestBundlerOutputs(t *testing.T) {
	tests := []struct {
		cmd      string
		env      map[string]string
		outputs  string
		rewrites bool
	}{
		{"bundle install", nil, "", true},
		{"bundle install --frozen", nil, ".bundle", false},
		{"bundle install", map[string]string{"BUNDLE_DEPLOYMENT": "1"}, "vendor/bundle", false},
		{"bundle install", map[string]string{"BUNDLE_DEPLOYMENT": "1", "BUNDLE_PATH": "/usr/local/bundle"}, "", false},
		{"bundle install", map[string]string{"BUNDLE_FROZEN": "true", "BUNDLE_PATH": "vendor/gems"}, "vendor/gems", false},
		{"bundle install --deployment", map[string]string{"BUNDLE_APP_CONFIG": "/usr/local/bundle"}, "vendor/bundle", false},
		{"bundle install --path vendor/b --binstubs", nil, "vendor/b bin .bundle", true},
		{"bundle install", map[string]string{"BUNDLE_FROZEN": "false"}, "", true},
	}
	for _, tt := range tests {
		in, ok := Recognize(cmdOf(tt.cmd, tt.env))
		if !ok || in.Manager != Bundler {
			t.Fatalf("%s: not recognized as bundler", tt.cmd)
		}
		if got := strings.Join(in.Outputs, " "); got != tt.outputs {
			t.Errorf("%s %v: outputs %q, want %q", tt.cmd, tt.env, got, tt.outputs)
		}
		if got := len(in.Rewrites) > 0; got != tt.rewrites {
			t.Errorf("%s %v: rewrites %v, want %v", tt.cmd, tt.env, got, tt.rewrites)
		}
	}
	for _, tt := range []struct {
		cmd  string
		env  map[string]string
		want bool
	}{
		{"bundle config set --global frozen true", nil, true},
		{"bundle config set without development", nil, false}, // the app's .bundle/config
		{"bundle config set without development", map[string]string{"BUNDLE_APP_CONFIG": "/usr/local/bundle"}, true},
		{"bundle config set --local path vendor", map[string]string{"BUNDLE_APP_CONFIG": "/x"}, false},
	} {
		if got := Configures(cmdOf(tt.cmd, tt.env)); got != tt.want {
			t.Errorf("Configures(%s, %v) = %v, want %v", tt.cmd, tt.env, got, tt.want)
		}
	}
}

func TestMavenGradleCaches(t *testing.T) {
	tests := []struct {
		cmd     string
		env     map[string]string
		files   map[string]string
		cache   string // the cache folder, "" for the default
		noCache string // part of NoCache, "" when a mount is possible
	}{
		{"mvn -B package", nil, nil, "", ""},
		{"./mvnw -B -DskipTests package", nil, nil, "", ""},
		{"mvn -o package", nil, nil, "", "offline"},
		{"mvn -B clean install -DskipTests", nil, nil, "", ""},
		{"mvn package", map[string]string{"MAVEN_ARGS": "--offline -B"}, nil, "", "offline"},
		{"mvn -Dmaven.repo.local=/cache/m2 package", nil, nil, "/cache/m2", ""},
		{"mvn -D maven.repo.local=/cache/m2 package", nil, nil, "/cache/m2", ""},
		{"mvn package", map[string]string{"MAVEN_OPTS": "-Xmx1g -Dmaven.repo.local=/opt/repo"}, nil, "/opt/repo", ""},
		{"mvn -Dmaven.repo.local=.m2 package", nil, nil, "", "not an absolute path"},
		{"mvn package", nil, map[string]string{"~/.m2/settings.xml": "<settings><offline>true</offline></settings>"}, "", "offline"},
		{"mvn -s ci/settings.xml package", nil, map[string]string{"ci/settings.xml": "<settings><localRepository>/r</localRepository></settings>"}, "", "sets the local repository"},
		{"mvn package", nil, map[string]string{".mvn/maven.config": "-o\n-B\n"}, "", "offline"},
		{"mvn package", nil, map[string]string{"~/.m2/settings.xml": "<settings><mirrors/></settings>"}, "", ""},
		{"mvn -Duser.home=/var/maven package", nil, nil, "/var/maven/.m2/repository", ""},
		{"mvn -s /usr/share/maven/ref/settings-docker.xml package", nil, nil, "/usr/share/maven/ref/repository", ""},
		{"mvn package", nil, map[string]string{".mvn/jvm.config": "-Xmx2g -Dmaven.repo.local=/r\n"}, "", "sets the local repository"},
		{"mvn package", nil, map[string]string{"pom.xml": "<project><version>1.0-SNAPSHOT</version><dependencies><dependency><artifactId>a</artifactId><version>2.1</version></dependency></dependencies></project>"}, "", ""},
		{"mvn package", nil, map[string]string{"pom.xml": "<project><dependencies><dependency><artifactId>a</artifactId><version>2.1-SNAPSHOT</version></dependency></dependencies></project>"}, "", "changing version (2.1-SNAPSHOT)"},
		{"mvn -f api/pom.xml package", nil, map[string]string{"api/pom.xml": "<project><dependencies><dependency><version>[1.0,2.0)</version></dependency></dependencies></project>"}, "", "changing version ([1.0,2.0))"},
		{"mvn package", nil, map[string]string{"pom.xml": "<project><properties><lib.version>3.0-SNAPSHOT</lib.version></properties></project>"}, "", "changing version"},
		{"gradle build --no-daemon", nil, map[string]string{"build.gradle.kts": "dependencies {\n  implementation(\"com.acme:lib:1.+\")\n}\n"}, "", "changing version"},
		{"gradle build --no-daemon", nil, map[string]string{"build.gradle": "dependencies {\n  implementation 'org.slf4j:slf4j-api:2.0.13'\n}\n"}, "", ""},
		{"gradle build --no-daemon", nil, nil, "", ""},
		{"./gradlew build --offline", nil, nil, "", "offline"},
		{"./gradlew -g /gh build", nil, nil, "/gh/caches", ""},
		{"./gradlew --gradle-user-home=/gh build", nil, nil, "/gh/caches", ""},
		{"./gradlew -g gh build", nil, nil, "", "not an absolute path"},
	}
	for _, tt := range tests {
		in, ok := Recognize(cmdOf(tt.cmd, tt.env))
		if !ok || !in.Build {
			t.Fatalf("%s: not recognized as a build", tt.cmd)
		}
		if in.Manager.Follow != nil {
			in.Manager.Follow(in, reader(tt.files))
		}
		if tt.noCache == "" && in.NoCache != "" || !strings.Contains(in.NoCache, tt.noCache) {
			t.Errorf("%s: NoCache %q, want %q", tt.cmd, in.NoCache, tt.noCache)
		}
		got := ""
		if len(in.CacheDirs) > 0 {
			got = in.CacheDirs[0].Path
		}
		if got != tt.cache {
			t.Errorf("%s: cache %q, want %q", tt.cmd, got, tt.cache)
		}
	}
	if d := Gradle.Caches(func(k string) (string, bool) { return "/home/gradle/.gradle", k == "GRADLE_USER_HOME" }); d[0].Path != "/home/gradle/.gradle/caches" || !d[0].Persistent {
		t.Errorf("GRADLE_USER_HOME: %+v", d)
	}
	if d := Gradle.Caches(func(k string) (string, bool) { return "-Xmx1g -Dgradle.user.home=/gh", k == "GRADLE_OPTS" }); d[0].Path != "/gh/caches" {
		t.Errorf("GRADLE_OPTS: %+v", d)
	}
}

func TestCargo(t *testing.T) {
	tests := []struct {
		cmd, source, noCache string
		files                map[string]string
	}{
		{"cargo build --release --locked", "reads the crate's source", "", nil},
		{"cargo install ripgrep --version 14.1.0", "", "", nil},
		{"cargo install --path .", "reads the crate's source", "", nil},
		{"cargo build --release --frozen", "reads the crate's source", "offline", nil},
		{"cargo build --release --config net.offline=true", "reads the crate's source", "offline", nil},
		{"cargo build --config=ci/cargo.toml", "reads the crate's source", "replace the registry", nil},
		{"cargo build --release", "reads the crate's source", "offline", map[string]string{"~/.cargo/config.toml": "[net]\noffline = true\n"}},
		{"cargo build --release", "reads the crate's source", "replaces the registry", map[string]string{".cargo/config.toml": "[source.crates-io]\nreplace-with = \"vendored\"\n"}},
	}
	for _, tt := range tests {
		in, ok := Recognize(cmdOf(tt.cmd, nil))
		if !ok || in.Manager != Cargo {
			t.Fatalf("%s: not recognized as cargo", tt.cmd)
		}
		Cargo.Follow(in, reader(tt.files))
		if tt.source == "" && in.NeedsSource != "" || !strings.Contains(in.NeedsSource, tt.source) {
			t.Errorf("%s: NeedsSource %q, want %q", tt.cmd, in.NeedsSource, tt.source)
		}
		if tt.noCache == "" && in.NoCache != "" || !strings.Contains(in.NoCache, tt.noCache) {
			t.Errorf("%s: NoCache %q, want %q", tt.cmd, in.NoCache, tt.noCache)
		}
	}
	if in, _ := Recognize(cmdOf("cargo install cargo-auditable --locked", nil)); !slices.Contains(in.Optional, "rust-toolchain.toml") {
		t.Errorf("cargo install reads %v, not rust-toolchain.toml", in.Optional)
	}
	if _, ok := Recognize(cmdOf("cargo --version", nil)); ok {
		t.Error("cargo --version recognized")
	}
	d := Cargo.Caches(func(k string) (string, bool) { return "/usr/local/cargo", k == "CARGO_HOME" })
	if len(d) != 2 || d[0].Path != "/usr/local/cargo/registry" || d[1].Path != "/usr/local/cargo/git" {
		t.Errorf("CARGO_HOME caches: %+v", d)
	}
}

func TestBundleConfigFile(t *testing.T) {
	in, _ := Recognize(cmdOf("bundle install", nil))
	Bundler.Follow(in, reader(map[string]string{
		"Gemfile":        "gem \"x\"\n",
		".bundle/config": "---\nBUNDLE_PATH: \"vendor/bundle\"\nBUNDLE_DEPLOYMENT: \"true\"\n",
		"vendor/bundle":  "",
	}))
	if in.NeedsSource != "" || !slices.Contains(in.Outputs, "vendor/bundle") || len(in.Rewrites) > 0 {
		t.Errorf("NeedsSource %q, outputs %v, rewrites %v: want vendor/bundle as an output of a frozen install", in.NeedsSource, in.Outputs, in.Rewrites)
	}
	c := cmdOf("bundle config set path vendor/bundle", map[string]string{"BUNDLE_APP_CONFIG": "/usr/local/bundle"})
	if Configures(c) {
		t.Error("bundle config set path counts as configuration only")
	}
}

func TestPythonProjectPlaces(t *testing.T) {
	in, _ := Recognize(cmdOf("poetry install --no-root", nil))
	Poetry.Follow(in, reader(map[string]string{"pyproject.toml": "[tool.poetry]\nname = \"x\"\n", "poetry.toml": "[virtualenvs]\nin-project = true\n"}))
	if !slices.Contains(in.Outputs, ".venv") {
		t.Errorf("poetry.toml in-project: outputs %v", in.Outputs)
	}
	in, _ = Recognize(cmdOf("poetry install --no-root", map[string]string{"POETRY_VIRTUALENVS_IN_PROJECT": "false"}))
	Poetry.Follow(in, reader(map[string]string{"pyproject.toml": "[tool.poetry]\n", "poetry.toml": "virtualenvs.in-project = true\n"}))
	if slices.Contains(in.Outputs, ".venv") {
		t.Errorf("POETRY_VIRTUALENVS_IN_PROJECT=false wins over poetry.toml: outputs %v", in.Outputs)
	}
	in, _ = Recognize(cmdOf("pipenv install --system --deploy", map[string]string{"PIPENV_PIPFILE": "/app/deploy/Pipfile"}))
	if strings.Join(in.Inputs, " ") != "/app/deploy/Pipfile" || strings.Join(in.Optional, " ") != "/app/deploy/Pipfile.lock" {
		t.Errorf("PIPENV_PIPFILE: inputs %v, optional %v", in.Inputs, in.Optional)
	}
	Pipenv.Follow(&Install{NeedsSource: "its arguments are not all literal"}, reader(nil)) // no inputs: must not panic
}

func TestUvLocalIndexes(t *testing.T) {
	in, _ := Recognize(cmdOf("uv sync --frozen --no-install-project", nil))
	Uv.Follow(in, reader(map[string]string{
		"pyproject.toml": "[project]\nname = \"x\"\n\n[tool.uv]\nfind-links = [\"./wheels\"]\n\n[[tool.uv.index]]\nname = \"corp\"\nurl = \"https://pypi.corp.example/simple\"\n",
		"uv.toml":        "[[index]]\nurl = \"./pypi/simple\"\n",
	}))
	if got := strings.Join(in.Folders, " "); got != "./pypi/simple ./wheels" {
		t.Errorf("folders %q", got)
	}
}

func TestNodeProjectReads(t *testing.T) {
	lock := `{"lockfileVersion": 3}`
	tests := []struct {
		name, cmd string
		files     map[string]string
		source    string // part of NeedsSource, "" for none
	}{
		{"binding_gyp", "npm ci", map[string]string{"package.json": `{"name":"a"}`, "package-lock.json": lock, "binding.gyp": "{}"}, "binding.gyp"},
		{"binding_gyp_ignore_scripts", "npm ci --ignore-scripts", map[string]string{"package.json": `{"name":"a"}`, "package-lock.json": lock, "binding.gyp": "{}"}, ""},
		{"ignore_scripts_false", "npm ci --ignore-scripts false", map[string]string{"package.json": `{"scripts":{"postinstall":"node x.js"}}`, "package-lock.json": lock}, "postinstall"},
		{"dependencies_script", "npm ci", map[string]string{"package.json": `{"scripts":{"dependencies":"node gen.js"}}`, "package-lock.json": lock}, `"dependencies" script`},
		{"bare_tarball", "npm ci", map[string]string{"package.json": `{"dependencies":{"mylib":"mylib-1.0.0.tgz"}}`, "package-lock.json": lock}, "mylib-1.0.0.tgz"},
		{"remote_tarball", "npm ci", map[string]string{"package.json": `{"dependencies":{"mylib":"https://x.example/mylib-1.0.0.tgz"}}`, "package-lock.json": lock}, ""},
		{"yarn_resolutions", "yarn install --frozen-lockfile", map[string]string{"package.json": `{"resolutions":{"ms":"file:./vendor/ms"}}`, "yarn.lock": ""}, "file:./vendor/ms"},
		{"pnpm_overrides", "pnpm install --frozen-lockfile", map[string]string{"package.json": `{"pnpm":{"overrides":{"ms":"link:./vendor/ms"}}}`, "pnpm-lock.yaml": ""}, "link:./vendor/ms"},
		{"npm_nested_overrides", "npm ci", map[string]string{"package.json": `{"overrides":{"foo":{"ms":"file:./vendor/ms"}}}`, "package-lock.json": lock}, "file:./vendor/ms"},
		{"yarn_patch", "yarn install --immutable", map[string]string{"package.json": `{"dependencies":{"ms":"patch:ms@npm%3A2.1.3#./patches/ms.patch"}}`, "yarn.lock": ""}, "patch:ms"},
		{"yorkie", "npm ci", map[string]string{"package.json": `{"devDependencies":{"yorkie":"^2.0.0"}}`, "package-lock.json": lock}, "git hooks"},
		{"husky_4", "npm ci", map[string]string{"package.json": `{"devDependencies":{"husky":"^4.3.8"}}`, "package-lock.json": lock}, "husky"},
		{"husky_9", "npm ci", map[string]string{"package.json": `{"devDependencies":{"husky":"^9.0.11"}}`, "package-lock.json": lock}, ""},
		{"msw_worker", "npm ci", map[string]string{"package.json": `{"devDependencies":{"msw":"^2.3.0"},"msw":{"workerDirectory":"public"}}`, "package-lock.json": lock}, "msw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, ok := Recognize(cmdOf(tt.cmd, nil))
			if !ok {
				t.Fatal("not recognized")
			}
			in.Manager.Follow(in, reader(tt.files))
			if tt.source == "" && in.NeedsSource != "" || !strings.Contains(in.NeedsSource, tt.source) {
				t.Errorf("NeedsSource %q, want %q", in.NeedsSource, tt.source)
			}
		})
	}
}

func TestNodeConfigReads(t *testing.T) {
	in, _ := Recognize(cmdOf("npm ci", nil))
	Npm.Follow(in, reader(map[string]string{"package.json": `{}`, "package-lock.json": "{}", ".npmrc": "cafile=certs/corp-ca.pem\n"}))
	if !slices.Contains(in.Inputs, "certs/corp-ca.pem") {
		t.Errorf(".npmrc cafile: inputs %v", in.Inputs)
	}
	in, _ = Recognize(cmdOf("npm ci", map[string]string{"NPM_CONFIG_USERCONFIG": "/app/docker/npmrc"}))
	Npm.Follow(in, reader(map[string]string{"package.json": `{}`, "package-lock.json": "{}"}))
	if !slices.Contains(in.Optional, "/app/docker/npmrc") {
		t.Errorf("NPM_CONFIG_USERCONFIG: optional %v", in.Optional)
	}
	in, _ = Recognize(cmdOf("yarn install --frozen-lockfile", nil))
	Yarn.Follow(in, reader(map[string]string{"package.json": `{}`, "yarn.lock": "", ".yarnrc": "yarn-path \"./tools/yarn.js\"\n", "../.yarnrc": "--install.production true\n"}))
	if !slices.Contains(in.Inputs, "tools/yarn.js") || !slices.Contains(in.Optional, "../.yarnrc") {
		t.Errorf("yarn-path and parent .yarnrc: inputs %v, optional %v", in.Inputs, in.Optional)
	}
	in, _ = Recognize(cmdOf("yarn install --immutable", nil))
	Yarn.Follow(in, reader(map[string]string{"package.json": `{"packageManager":"yarn@4.5.3"}`, "yarn.lock": ""}))
	if !strings.Contains(in.NoCache, "yarn 4.5.3") {
		t.Errorf("packageManager yarn@4: NoCache %q", in.NoCache)
	}
	for _, tt := range []struct{ cmd, source string }{
		{"npm install -g", "installs the project itself"},
		{"npm install -g pm2@5", ""},
		{"npm install --location=project", ""},
		{"npm install --location=global typescript", ""},
	} {
		in, _ := Recognize(cmdOf(tt.cmd, nil))
		if tt.source == "" && in.NeedsSource != "" || !strings.Contains(in.NeedsSource, tt.source) {
			t.Errorf("%s: NeedsSource %q, want %q", tt.cmd, in.NeedsSource, tt.source)
		}
	}
	if in, _ := Recognize(cmdOf("npm install --location=project", nil)); len(in.Outputs) == 0 {
		t.Error("npm install --location=project is a project install")
	}
}

// TestUpwardDepth checks that a reader that knows its depth lists the same files upward,
// in the same order, as the full list does.
func TestUpwardDepth(t *testing.T) {
	distinct := func(cwd string, names []string) []string {
		var out []string
		for _, n := range names {
			p := path.Join(cwd, n)
			if path.IsAbs(n) {
				p = path.Clean(n)
			}
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
		return out
	}
	for _, cwd := range []string{"/app", "/app/web", "/a/b/c/d", "/" + strings.Repeat("x/", 20) + "y"} {
		d := strings.Count(cwd, "/")
		full := distinct(cwd, upward(".npmrc"))
		short := Reader{Depth: d}.upward(".npmrc")
		if got := distinct(cwd, short); !slices.Equal(got, full) {
			t.Errorf("%s: %v, want %v", cwd, got, full)
		}
		if d <= upLevels && len(short) != d+1 {
			t.Errorf("%s: %d names, want %d", cwd, len(short), d+1)
		}
		// The first name of each file is the one the full list gives it (messages name it).
		firstName := func(names []string) map[string]string {
			m := map[string]string{}
			for _, n := range names {
				p := path.Join(cwd, n)
				if path.IsAbs(n) {
					p = path.Clean(n)
				}
				if _, ok := m[p]; !ok {
					m[p] = n
				}
			}
			return m
		}
		want := firstName(upward(".npmrc"))
		for p, n := range firstName(short) {
			if want[p] != n {
				t.Errorf("%s: %s is called %q, the full list calls it %q", cwd, p, n, want[p])
			}
		}
	}
}
