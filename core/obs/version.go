package obs

// Version is the build's version, set with -ldflags "-X github.com/conserje/conserje/core/obs.Version=...".
var Version = "dev"
