// Package idc is idcenter's domain vocabulary: the entity types every ring
// shares (users, groups, accounts, …), the identifier formats of AWS IAM
// Identity Center, the error kinds services return, and the request-scoped
// facts carried in a context (request ID, authenticated principal).
//
// idc imports only the standard library and does no I/O.
package idc
