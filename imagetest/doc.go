// Package imagetest builds the repository's Dockerfile, unchanged, with BuildKit and runs the image
// in a real container engine the way the task definition the program renders runs it. Everything
// is in its test (image_test.go); docs/image.md says what it proves, what it measures, and how its
// stand-in base images differ from the real ones. `make image-test` installs what it needs.
package imagetest
