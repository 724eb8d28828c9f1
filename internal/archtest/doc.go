// Package archtest holds only tests: it fails the build's tests when an
// import crosses the rings the wrong way (see ARCHITECTURE in the package
// docs of internal/server) or when a package lacks a doc comment.
package archtest
