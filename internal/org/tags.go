package org

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

func errTagLimit() *idc.Error {
	return newErr(idc.KindQuotaExceeded, ReasonTagLimit,
		"You have exceeded the number of tags allowed on this resource (%d).", idc.MaxTags)
}

// systemKey reports whether a tag key is in the reserved "aws:" namespace.
func systemKey(k string) bool { return len(k) >= 4 && strings.EqualFold(k[:4], "aws:") }

// checkTags refuses duplicate and reserved keys. Lengths and characters
// are checked by the wire model (Tag, TagKey, TagValue).
func checkTags(tags []idc.Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if systemKey(t.Key) {
			return newErr(idc.KindInvalid, ReasonSystemTag, "You can't use the reserved prefix \"aws:\" in a tag key.")
		}
		if seen[t.Key] {
			return newErr(idc.KindInvalid, ReasonDuplicateTagKey, "Tag keys must be unique among the tags attached to a given resource.")
		}
		seen[t.Key] = true
	}
	return nil
}

// taggable reports whether id names a kind of resource that can exist
// here: an account, a root or an OU (policies, resource policies and
// responsibility transfers are not implemented).
func taggable(id string) bool {
	return idc.ValidAccountID(id) || strings.HasPrefix(id, "r-") || strings.HasPrefix(id, "ou-")
}

// TagResource adds tags to an account, root or OU, replacing the values of
// keys it has. ReasonTargetNotFound; ReasonTagLimit when the resource would
// carry more than idc.MaxTags tags.
func (s *Service) TagResource(ctx context.Context, resourceID string, tags []idc.Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	err := s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := organization(ctx, q); err != nil {
			return err
		}
		if !taggable(resourceID) {
			return errTargetNotFound(resourceID)
		}
		// PutTags locks the resource, so the count below is exact; going
		// over the limit rolls the whole request back.
		if err := q.PutTags(ctx, resourceID, tags); errors.Is(err, store.ErrNotFound) {
			return errTargetNotFound(resourceID)
		} else if err != nil {
			return err
		}
		n, err := q.CountTags(ctx, resourceID)
		if err != nil {
			return err
		}
		if n > idc.MaxTags {
			return errTagLimit()
		}
		return nil
	})
	return wrap("tag resource", err)
}

// UntagResource removes tag keys from an account, root or OU; keys it
// does not have are ignored. ReasonTargetNotFound.
func (s *Service) UntagResource(ctx context.Context, resourceID string, keys []string) error {
	for _, k := range keys {
		if systemKey(k) {
			return newErr(idc.KindInvalid, ReasonSystemTag, "You can't use the reserved prefix \"aws:\" in a tag key.")
		}
	}
	err := s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := organization(ctx, q); err != nil {
			return err
		}
		if !taggable(resourceID) {
			return errTargetNotFound(resourceID)
		}
		if err := q.DeleteTags(ctx, resourceID, keys); errors.Is(err, store.ErrNotFound) {
			return errTargetNotFound(resourceID)
		} else if err != nil {
			return err
		}
		return nil
	})
	return wrap("untag resource", err)
}

// ListTagsForResource lists the tags of an account, root or OU ordered by
// key (ReasonTargetNotFound).
func (s *Service) ListTagsForResource(ctx context.Context, resourceID, after string, limit int) (List[idc.Tag], error) {
	o, err := organization(ctx, s.st)
	if err != nil {
		return List[idc.Tag]{}, err
	}
	if err := s.resourceExists(ctx, resourceID); err != nil {
		return List[idc.Tag]{}, err
	}
	tags, err := s.st.ListTags(ctx, resourceID, page(after, limit))
	if err != nil {
		return List[idc.Tag]{}, fmt.Errorf("list tags: %w", err)
	}
	return finish(o, tags, limit, tagKey), nil
}

func (s *Service) resourceExists(ctx context.Context, id string) error {
	var err error
	switch {
	case idc.ValidAccountID(id):
		_, err = s.st.GetAccount(ctx, id)
	case taggable(id):
		_, err = s.st.GetOrgUnit(ctx, id)
	default:
		return errTargetNotFound(id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return errTargetNotFound(id)
	}
	if err != nil {
		return fmt.Errorf("get tagged resource: %w", err)
	}
	return nil
}
