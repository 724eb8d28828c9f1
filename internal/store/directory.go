package store

// Directory stores users, groups and group memberships.
type Directory interface {
}
