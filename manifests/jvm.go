package manifests

import (
	"bytes"
	"encoding/xml"
	"path"
	"strings"
)

// Maven is mvn and the Maven wrapper. Every goal reads the project (the POM, its modules
// and plugins), so nothing moves; what a mount can keep between builds is the local
// repository, where Maven puts what it downloads. Only the repository is mounted, never
// ~/.m2 itself, which may hold a settings.xml the Dockerfile copied there. Later steps may
// read the repository from the image (mvn -o), so it is persistent.
var Maven = &Manager{
	Name:        "maven",
	ConfigFiles: []string{"settings.xml", "maven.config"},
	Files:       []string{"**/pom.xml", "**/.mvn/**", "**/mvnw"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if n := c.Name(); n != "mvn" && n != "mvnw" {
			return nil, false
		}
		in := &Install{NeedsSource: "Maven builds the project from its source", Build: true}
		for i, a := range c.Args {
			if c.Lit[i] && (a == "install" || strings.HasPrefix(a, "install:")) {
				in.Publishes = true // mvn install, mvn install:install-file
			}
		}
		if hasFlag(c, "-o", "--offline") || offlineFlag(c.lookup("MAVEN_ARGS")) {
			in.NoCache = "it runs offline, from a repository an earlier step left in the image"
			return in, true
		}
		repo, set := "", false
		for _, env := range []string{"MAVEN_OPTS", "MAVEN_ARGS"} {
			if v, ok := c.lookup(env); ok {
				if r, ok := repoLocal(strings.Fields(v)); ok {
					repo, set = r, true
				}
			}
		}
		for i, a := range c.Args {
			if !c.Lit[i] {
				if i > 0 && c.Args[i-1] == "-D" {
					return &Install{NeedsSource: in.NeedsSource, Build: true, NoCache: "a -D setting comes from a variable"}, true
				}
				continue
			}
			if r, ok := repoLocal(c.Args[i : i+1]); ok {
				repo, set = r, true
			} else if a == "-D" && i+1 < len(c.Args) && c.Lit[i+1] {
				if r, ok := repoLocal([]string{"-D" + c.Args[i+1]}); ok {
					repo, set = r, true
				}
			}
		}
		for i, a := range c.Args {
			if !c.Lit[i] {
				continue
			}
			if home, ok := strings.CutPrefix(a, "-Duser.home="); ok {
				repo, set = path.Join(home, ".m2/repository"), true
			}
			if (a == "-s" || a == "--settings") && i+1 < len(c.Args) && c.Args[i+1] == "/usr/share/maven/ref/settings-docker.xml" {
				repo, set = "/usr/share/maven/ref/repository", true // the maven image's settings-docker.xml
			}
		}
		if set {
			if !path.IsAbs(repo) {
				in.NoCache = "its local repository (" + repo + ") is not an absolute path"
				return in, true
			}
			in.CacheDirs = []CacheDir{{Path: path.Clean(repo), Persistent: true, Locked: true}}
		}
		return in, true
	},
	Follow: func(in *Install, read Reader) {
		if in.NoCache != "" {
			return
		}
		// Settings can switch Maven offline or move the repository: the user's and the
		// global settings.xml, those named with -s or -gs, and the project's .mvn/maven.config.
		files := []string{"~/.m2/settings.xml", "/usr/share/maven/conf/settings.xml"}
		for _, f := range []string{"-s", "--settings", "-gs", "--global-settings"} {
			if v, ok := flagValue(in.Cmd, f); ok {
				files = append(files, v)
			}
		}
		files = append(files, read.upward(".mvn/maven.config")...)
		files = append(files, read.upward(".mvn/jvm.config")...)
		for _, f := range files {
			data, err := read.Read(f)
			if err != nil {
				continue
			}
			text := string(data)
			words := strings.Fields(text)
			if f == "/usr/share/maven/ref/settings-docker.xml" {
				continue // its repository is followed in Recognize
			}
			if strings.Contains(text, "<offline>true</offline>") || offlineFlag(text, strings.HasSuffix(f, "maven.config")) {
				in.NoCache = f + " runs Maven offline, from a repository an earlier step left in the image"
				return
			}
			if _, ok := repoLocal(words); ok || strings.Contains(text, "<localRepository>") || strings.Contains(text, "-Duser.home=") {
				in.NoCache = f + " sets the local repository"
				return
			}
		}
		pom := "pom.xml"
		for _, f := range []string{"-f", "--file"} {
			if v, ok := flagValue(in.Cmd, f); ok {
				pom = v
				if !strings.HasSuffix(pom, ".xml") {
					pom = path.Join(pom, "pom.xml")
				}
			}
		}
		if data, err := read.Read(pom); err == nil {
			if v := changingPOMVersion(data); v != "" {
				in.NoCache = pom + " asks for a changing version (" + v + "): from a kept repository Maven would reuse what it resolved up to a day before"
			}
		}
	},
	Caches: func(env Lookup) []CacheDir {
		return []CacheDir{{Path: homeDir(".m2/repository"), Persistent: true, Beside: true, Locked: true}}
	},
	Runtime: &Runtime{Images: []string{"maven"}, Commands: []string{"mvn", "mvnw"}},
}

// changingPOMVersion returns a dependency, plugin or parent version of a POM that
// resolves anew over time (1.2-SNAPSHOT, a range such as [1.0,2.0), LATEST, RELEASE), or
// a property holding a SNAPSHOT, or "". The project's own version does not count.
func changingPOMVersion(data []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) < 2 {
				continue
			}
			v := strings.TrimSpace(string(t))
			leaf, parent := stack[len(stack)-1], stack[len(stack)-2]
			changing := strings.HasSuffix(v, "-SNAPSHOT") || strings.HasPrefix(v, "[") || strings.HasPrefix(v, "(") || v == "LATEST" || v == "RELEASE"
			switch {
			case leaf == "version" && (parent == "dependency" || parent == "plugin" || parent == "parent" || parent == "extension") && changing:
				return v
			case parent == "properties" && strings.HasSuffix(v, "-SNAPSHOT"):
				return v
			}
		}
	}
}

// changingGradleVersion returns a dynamic or changing dependency version of a Gradle build
// script (1.+, latest.release, 2.0-SNAPSHOT), or "".
func changingGradleVersion(data []byte) string {
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "//") {
			continue
		}
		for _, m := range []string{"-SNAPSHOT", "latest.", "+\"", "+'", ".+)", "changing = true", "isChanging = true"} {
			if strings.Contains(l, m) {
				return l
			}
		}
	}
	return ""
}

// repoLocal finds -Dmaven.repo.local=DIR in words.
func repoLocal(words []string) (string, bool) {
	repo, found := "", false
	for _, w := range words {
		if v, ok := strings.CutPrefix(w, "-Dmaven.repo.local="); ok {
			repo, found = strings.Trim(v, `"'`), true
		}
	}
	return repo, found
}

// offlineFlag reports whether an environment value of flags asks for offline mode.
func offlineFlag(v string, ok bool) bool {
	if !ok {
		return false
	}
	for _, w := range strings.Fields(v) {
		if w == "-o" || w == "--offline" {
			return true
		}
	}
	return false
}

// Gradle is gradle and the Gradle wrapper. Every task reads the project, so nothing moves;
// the dependency caches under the Gradle user home (GRADLE_USER_HOME, ~/.gradle) are
// mounted, but not the user home itself, which holds the wrapper's Gradle distribution and
// a gradle.properties the Dockerfile may have copied there.
var Gradle = &Manager{
	Name:        "gradle",
	ConfigFiles: []string{"gradle.properties", "init.gradle"},
	Files:       []string{"**/build.gradle", "**/build.gradle.kts", "**/settings.gradle", "**/settings.gradle.kts", "**/gradle.properties", "**/gradle/**", "**/gradlew"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if n := c.Name(); n != "gradle" && n != "gradlew" {
			return nil, false
		}
		in := &Install{NeedsSource: "Gradle builds the project from its source", Build: true}
		if hasFlag(c, "--offline") {
			in.NoCache = "it runs offline, from caches an earlier step left in the image"
			return in, true
		}
		for i, a := range c.Args {
			if !c.Lit[i] {
				continue
			}
			if a == "-g" || a == "--gradle-user-home" || strings.HasPrefix(a, "--gradle-user-home=") || strings.HasPrefix(a, "-g") && len(a) > 2 {
				home, ok := flagValue(c, "--gradle-user-home")
				if !ok {
					home, ok = flagValue(c, "-g")
				}
				if !ok && strings.HasPrefix(a, "-g") {
					home, ok = a[2:], true
				}
				if !ok || !path.IsAbs(home) {
					in.NoCache = "its Gradle user home is not an absolute path"
					return in, true
				}
				in.CacheDirs = []CacheDir{{Path: path.Join(home, "caches"), Persistent: true, Locked: true}}
			}
		}
		return in, true
	},
	Caches: func(env Lookup) []CacheDir {
		if opts, ok := env("GRADLE_OPTS"); ok {
			for _, w := range strings.Fields(opts) {
				if d, ok := strings.CutPrefix(w, "-Dgradle.user.home="); ok && path.IsAbs(d) {
					return []CacheDir{{Path: path.Join(d, "caches"), Persistent: true, Locked: true}}
				}
			}
		}
		if d, ok := envDir(env, "GRADLE_USER_HOME"); ok {
			return []CacheDir{{Path: path.Join(d, "caches"), Persistent: true, Locked: true}}
		}
		return []CacheDir{{Path: homeDir(".gradle/caches"), Persistent: true, Beside: true, Locked: true}}
	},
	Follow: func(in *Install, read Reader) {
		if in.NoCache != "" {
			return
		}
		for _, f := range []string{"build.gradle", "build.gradle.kts", "gradle/libs.versions.toml"} {
			if data, err := read.Read(f); err == nil {
				if v := changingGradleVersion(data); v != "" {
					in.NoCache = f + " asks for a changing version (" + v + "): from kept caches Gradle would reuse what it resolved up to a day before"
					return
				}
			}
		}
	},
	Runtime: &Runtime{Images: []string{"gradle"}, Commands: []string{"gradle", "gradlew"}},
}
