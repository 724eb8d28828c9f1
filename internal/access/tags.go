package access

import (
	"context"
	"errors"
	"strings"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// checkTags refuses reserved keys (the "aws:" prefix belongs to AWS).
func checkTags(tags []idc.Tag) error {
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return idc.Invalidf("Tag keys starting with \"aws:\" are reserved for AWS use.")
		}
	}
	return nil
}

// dedupeTags keeps the last value of each key, in first-seen order.
func dedupeTags(tags []idc.Tag) []idc.Tag {
	idx := map[string]int{}
	var out []idc.Tag
	for _, t := range tags {
		if i, ok := idx[t.Key]; ok {
			out[i].Value = t.Value
			continue
		}
		idx[t.Key] = len(out)
		out = append(out, t)
	}
	return out
}

func errResourceNotFound(arn string) error {
	return idc.NotFound("RESOURCE", arn, "Could not find resource %s.", arn)
}

// taggable resolves a taggable resource ARN to the instance it lives in.
// Instances and permission sets are taggable; applications and trusted
// token issuers do not exist in idcenter yet. instanceARN, when given, must
// be the resource's instance.
func taggable(ctx context.Context, q store.Queries, instanceARN, resourceARN string) (string, error) {
	var owner string
	switch {
	case strings.Contains(resourceARN, ":instance/"):
		if _, err := q.GetInstance(ctx, resourceARN); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return "", errResourceNotFound(resourceARN)
			}
			return "", err
		}
		owner = resourceARN
	case strings.Contains(resourceARN, ":permissionSet/"):
		ps, err := q.GetPermissionSet(ctx, resourceARN)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return "", errResourceNotFound(resourceARN)
			}
			return "", err
		}
		owner = ps.InstanceARN
	default:
		return "", errResourceNotFound(resourceARN)
	}
	if instanceARN != "" && instanceARN != owner {
		return "", errResourceNotFound(resourceARN)
	}
	return owner, nil
}

// TagResource adds tags to an instance or permission set, replacing the
// values of keys it has. KindNotFound; KindInvalid for reserved keys;
// KindQuotaExceeded beyond MaxTags.
func (s *Service) TagResource(ctx context.Context, instanceARN, resourceARN string, tags []idc.Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	tags = dedupeTags(tags)
	return s.st.Tx(ctx, func(q store.Queries) error {
		owner, err := taggable(ctx, q, instanceARN, resourceARN)
		if err != nil {
			return err
		}
		if err := q.PutResourceTags(ctx, owner, resourceARN, tags); err != nil {
			return err
		}
		n, err := q.CountResourceTags(ctx, resourceARN)
		if err != nil {
			return err
		}
		if n > MaxTags {
			return idc.QuotaExceededf("A resource can have at most %d tags.", MaxTags)
		}
		return nil
	})
}

// UntagResource removes tag keys from a resource (absent keys are
// ignored). KindNotFound.
func (s *Service) UntagResource(ctx context.Context, instanceARN, resourceARN string, keys []string) error {
	return s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := taggable(ctx, q, instanceARN, resourceARN); err != nil {
			return err
		}
		return q.DeleteResourceTags(ctx, resourceARN, keys)
	})
}

// Tags returns every tag of a resource, ordered by key. KindNotFound.
func (s *Service) Tags(ctx context.Context, instanceARN, resourceARN string) ([]idc.Tag, error) {
	if _, err := taggable(ctx, s.st, instanceARN, resourceARN); err != nil {
		return nil, err
	}
	tags, err := s.st.ListResourceTags(ctx, resourceARN, store.Page{Limit: MaxTags + 1})
	if tags == nil {
		tags = []idc.Tag{}
	}
	return tags, err
}
