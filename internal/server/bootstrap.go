package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/idcenter/idcenter/internal/creds"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/store"
)

// Settings written once at bootstrap (first writer wins across replicas).
const (
	settingMasterCheck    = "master_key_check"
	settingManagementAcct = "management_account_id"
	settingInstanceARN    = "bootstrap_instance_arn"
	settingAdminKeyID     = "bootstrap_admin_access_key_id"
)

// AdminUserName is the IAM-style user name of the bootstrap administrator key.
const AdminUserName = "idcenter-admin"

// CredentialsProfile is the profile name in the written credentials file.
const CredentialsProfile = "idcenter-admin"

// bootstrapped is what start-up learned or created.
type bootstrapped struct {
	instance     *idc.Instance
	managementID string
	adminKeyID   string
}

// bootstrap makes an empty store usable and is idempotent: the first process
// to commit creates the instance, its identity store and the administrator
// key; every other process (a restart, or a replica starting at the same
// moment on one PostgreSQL) finds them. A configured admin key
// (IDCENTER_ADMIN_*) is added if missing.
func bootstrap(ctx context.Context, st store.Store, kr *keys.Keyring, adminID, adminSecret string, now time.Time) (*bootstrapped, error) {
	var b bootstrapped
	err := st.Tx(ctx, func(q store.Queries) error {
		check := kr.Check()
		if _, err := q.PutSetting(ctx, settingMasterCheck, check); err != nil {
			return err
		}
		got, err := q.GetSetting(ctx, settingMasterCheck)
		if err != nil {
			return err
		}
		if got != check {
			return errors.New("the master key does not match the one this database was set up with (set IDCENTER_MASTER_KEY to the original key)")
		}
		created, err := q.PutSetting(ctx, settingManagementAcct, idc.NewAccountID())
		if err != nil {
			return err
		}
		if b.managementID, err = q.GetSetting(ctx, settingManagementAcct); err != nil {
			return err
		}
		if created {
			in := &idc.Instance{
				InstanceARN:     idc.NewInstanceARN(),
				IdentityStoreID: idc.NewIdentityStoreID(),
				Name:            "idcenter",
				OwnerAccountID:  b.managementID,
				Status:          "ACTIVE",
				CreatedAt:       now,
			}
			if err := q.CreateInstance(ctx, in); err != nil {
				return err
			}
			if _, err := q.PutSetting(ctx, settingInstanceARN, in.InstanceARN); err != nil {
				return err
			}
			id, secret := adminID, adminSecret
			if id == "" {
				id, secret = idc.NewAccessKeyID(), idc.NewSecretAccessKey()
			}
			if err := q.PutAccessKey(ctx, creds.NewAccessKey(kr, id, secret, AdminUserName, now)); err != nil {
				return err
			}
			if _, err := q.PutSetting(ctx, settingAdminKeyID, id); err != nil {
				return err
			}
		} else if adminID != "" {
			if _, err := q.GetAccessKey(ctx, adminID); errors.Is(err, store.ErrNotFound) {
				if err := q.PutAccessKey(ctx, creds.NewAccessKey(kr, adminID, adminSecret, AdminUserName, now)); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
		}
		arn, err := q.GetSetting(ctx, settingInstanceARN)
		if err != nil {
			return err
		}
		if b.instance, err = q.GetInstance(ctx, arn); err != nil {
			return err
		}
		b.adminKeyID = adminID
		if b.adminKeyID == "" {
			b.adminKeyID, err = q.GetSetting(ctx, settingAdminKeyID)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	return &b, nil
}

// writeCredentialsFile writes the administrator key as an AWS shared
// credentials file (mode 0600) unless the file exists.
func writeCredentialsFile(path, keyID, secret string) (bool, error) {
	if _, err := os.Stat(path); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, err
	}
	body := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", CredentialsProfile, keyID, secret)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, err
	}
	return true, f.Close()
}
