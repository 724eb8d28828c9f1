package store

// Organizations stores the organization, its roots, organizational units,
// accounts, create-account requests and tags.
type Organizations interface {
}
