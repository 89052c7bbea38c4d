package testservers

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// CheckChromium runs "path --version" and returns the version line it
// prints (for example "Chromium 156.0.8078.108 built on Debian…"). It fails
// when the program is missing, exits non-zero or does not say it is Chromium.
func CheckChromium(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("testservers: %s --version: %w (install Debian's chromium package: make test does)", path, err)
	}
	v := strings.TrimSpace(string(out))
	if !strings.Contains(v, "Chromium") && !strings.Contains(v, "Chrome") {
		return "", fmt.Errorf("testservers: %s --version printed %q, not a Chromium version", path, v)
	}
	return v, nil
}

// CheckDjango runs python to import django and returns Django's version
// (for example "3.2.25"). It fails when the interpreter is missing or cannot
// import django.
func CheckDjango(ctx context.Context, python string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", "import django; print(django.get_version())")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("testservers: %s cannot import django: %w: %s (install Debian's python3-django: make test does)", python, err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}
