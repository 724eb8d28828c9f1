package idc

import "time"

// Instance is an IAM Identity Center instance and its identity store.
type Instance struct {
	InstanceARN     string
	IdentityStoreID string
	Name            string
	OwnerAccountID  string
	Status          string // ACTIVE
	CreatedAt       time.Time
}

// AccessKey is a long-term administrator access key. The secret is kept
// encrypted at rest; SecretCiphertext is the sealed form the store holds.
type AccessKey struct {
	AccessKeyID      string
	SecretCiphertext []byte
	UserName         string
	Status           string // Active or Inactive
	CreatedAt        time.Time
}
