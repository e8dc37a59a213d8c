package rules

import "strings"

// Policy names of the non-root rules.
const (
	PolicyContainerNotRoot      = "ecs-container-not-root"
	PolicyContainerGroupNotRoot = "ecs-container-group-not-root"
)

var containerRules = []*Rule{
	{
		Name: PolicyContainerNotRoot,
		Description: "Every ECS container sets a non-root user (not root, not uid 0 with any group) " +
			"and is not privileged.",
		Controls: []string{"ECS.4"},
		Level:    Mandatory,
		Types:    containerTypes,
		resource: checkNotRoot,
	},
	{
		Name:        PolicyContainerGroupNotRoot,
		Description: "ECS containers running as a non-root uid do not use group 0 (root).",
		Level:       Advisory,
		Types:       containerTypes,
		resource:    checkGroupNotRoot,
	},
}

const fixUser = `set "user" to a non-root uid:gid such as "10001:10001" (and create that user in the image)`

func checkNotRoot(r *report, res Resource, _ Config) {
	for _, c := range readContainers(r, res) {
		user := c.n.get("user")
		switch user.st {
		case unknown:
			r.needs(res, user)
		case absent:
			r.violation(res, user.path, "is unset, so the container runs as the image's default user, which is usually root", fixUser)
		default:
			s, ok := user.str()
			switch {
			case !ok:
				r.violation(res, user.path, "must be a string, got a "+kind(user.v), fixUser)
			case classifyUser(s) == userEmpty:
				r.violation(res, user.path, "is empty, so the container runs as the image's default user, which is usually root", fixUser)
			case classifyUser(s) == userRoot:
				r.violation(res, user.path, user.show()+" runs the container as root (uid 0)", fixUser)
			}
		}
		switch priv := c.n.get("privileged"); priv.isTrue() {
		case yes:
			r.violation(res, priv.path, "is true, which gives the container root on the host", `remove "privileged" or set it to false`)
		case undecided:
			r.needs(res, priv)
		}
	}
}

// checkGroupNotRoot reports only known users; unreadable containers are the non-root rule's to report.
func checkGroupNotRoot(r *report, res Resource, _ Config) {
	cs, _ := containersOf(res)
	for _, c := range cs {
		user := c.n.get("user")
		if s, ok := user.str(); ok && classifyUser(s) == userGroupRoot {
			r.violation(res, user.path, user.show()+" runs with group 0 (root), which can read and write root-group files",
				`use a non-zero group, e.g. "10001:10001"`)
		}
	}
}

// userClass is what a container's "user" value ([user][:group], name or numeric id) means.
type userClass int

const (
	userNonRoot   userClass = iota
	userRoot                // root or uid 0, with any group
	userGroupRoot           // a non-root user with group root/0
	userEmpty               // nothing but spaces: the image default applies
)

// classifyUser decides whether a "user" value is root, ignoring case and spaces around the
// user and group parts ("ROOT", " 0 : 0 ", "000").
func classifyUser(s string) userClass {
	s = strings.ToLower(strings.TrimSpace(s))
	uid, gid, hasGroup := strings.Cut(s, ":")
	uid, gid = strings.TrimSpace(uid), strings.TrimSpace(gid)
	switch {
	case uid == "" && (!hasGroup || gid == ""):
		return userEmpty
	case uid == "" || isRootID(uid):
		// ":1000" leaves the user to the image default: root unless the image says otherwise.
		return userRoot
	case hasGroup && isRootID(gid):
		return userGroupRoot
	}
	return userNonRoot
}

// isRootID: the name root or a numeric id equal to zero.
func isRootID(id string) bool {
	if id == "root" {
		return true
	}
	return id != "" && strings.Trim(id, "0") == ""
}
