package components

// ImageTag is the tag ContainerImage gives the image, and the VERSION build argument it builds
// with: the build context's content hash (ContextHash) cut to 128 bits, unique enough and
// readable. The image test (imagetest/) builds with the same value.
func ImageTag(contextDir, dockerfile, platform string) (string, error) {
	h, err := ContextHash(contextDir, dockerfile, platform)
	if err != nil {
		return "", err
	}
	return h[:32], nil
}
