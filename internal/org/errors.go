package org

import (
	"fmt"
	"strings"

	"github.com/idcenter/idcenter/internal/idc"
)

// Reasons of the errors the service returns (idc.Error.Reason): the AWS
// Organizations exception, followed after a "/" by the exception's Reason
// member when it has one. SplitReason separates the two.
const (
	ReasonNotInUse                    = "AWSOrganizationsNotInUseException"
	ReasonAlreadyInOrganization       = "AlreadyInOrganizationException"
	ReasonOrganizationNotEmpty        = "OrganizationNotEmptyException"
	ReasonAccountNotFound             = "AccountNotFoundException"
	ReasonAccountAlreadyClosed        = "AccountAlreadyClosedException"
	ReasonDuplicateAccount            = "DuplicateAccountException"
	ReasonCreateAccountStatusNotFound = "CreateAccountStatusNotFoundException"
	ReasonParentNotFound              = "ParentNotFoundException"
	ReasonSourceParentNotFound        = "SourceParentNotFoundException"
	ReasonDestinationParentNotFound   = "DestinationParentNotFoundException"
	ReasonChildNotFound               = "ChildNotFoundException"
	ReasonOUNotFound                  = "OrganizationalUnitNotFoundException"
	ReasonOUNotEmpty                  = "OrganizationalUnitNotEmptyException"
	ReasonDuplicateOU                 = "DuplicateOrganizationalUnitException"
	ReasonTargetNotFound              = "TargetNotFoundException"
	ReasonHandshakeNotFound           = "HandshakeNotFoundException"

	ReasonOUDepthLimit          = "ConstraintViolationException/OU_DEPTH_LIMIT_EXCEEDED"
	ReasonTagLimit              = "ConstraintViolationException/MAX_TAG_LIMIT_EXCEEDED"
	ReasonCannotCloseManagement = "ConstraintViolationException/CANNOT_CLOSE_MANAGEMENT_ACCOUNT"
	ReasonManagementCannotLeave = "ConstraintViolationException/ACCOUNT_CANNOT_LEAVE_ORGANIZATION"

	ReasonAlreadyMember = "HandshakeConstraintViolationException/ALREADY_IN_AN_ORGANIZATION"

	ReasonDuplicateTagKey  = "InvalidInputException/DUPLICATE_TAG_KEY"
	ReasonSystemTag        = "InvalidInputException/INVALID_SYSTEM_TAGS_PARAMETER"
	ReasonPartyType        = "InvalidInputException/INVALID_PARTY_TYPE_TARGET"
	ReasonInvalidEmail     = "InvalidInputException/INVALID_EMAIL_ADDRESS_TARGET"
	ReasonInvalidPattern   = "InvalidInputException/INVALID_PATTERN"
	ReasonInvalidEnum      = "InvalidInputException/INVALID_ENUM"
	ReasonMaxLength        = "InvalidInputException/MAX_LENGTH_EXCEEDED"
	ReasonFilterLimit      = "InvalidInputException/MAX_LIMIT_EXCEEDED_FILTER"
	ReasonInvalidNextToken = "InvalidInputException/INVALID_NEXT_TOKEN"
)

// SplitReason splits a Reason into the exception name and its Reason
// member ("" when it has none).
func SplitReason(reason string) (exception, member string) {
	exception, member, _ = strings.Cut(reason, "/")
	return exception, member
}

func newErr(kind idc.Kind, reason, format string, args ...any) *idc.Error {
	return &idc.Error{Kind: kind, Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

func notFound(reason, resource, id, format string, args ...any) *idc.Error {
	return &idc.Error{Kind: idc.KindNotFound, Reason: reason, Resource: resource, ID: id, Msg: fmt.Sprintf(format, args...)}
}

// Resource names of not-found errors (idc.Error.Resource).
const (
	ResourceOrganization        = "organization"
	ResourceAccount             = "account"
	ResourceOU                  = "organizational unit"
	ResourceParent              = "parent"
	ResourceChild               = "child"
	ResourceTarget              = "target"
	ResourceCreateAccountStatus = "create account status"
	ResourceHandshake           = "handshake"
)

func errNotInUse() *idc.Error {
	return notFound(ReasonNotInUse, ResourceOrganization, "",
		"Your account is not a member of an organization. To make this request, you must use the credentials of an account that belongs to an organization.")
}

func errAccountNotFound(id string) *idc.Error {
	return notFound(ReasonAccountNotFound, ResourceAccount, id, "You specified an account that doesn't exist.")
}

func errParentNotFound(reason, id string) *idc.Error {
	return notFound(reason, ResourceParent, id, "We can't find a root or OU with the ParentId that you specified.")
}

func errOUNotFound(id string) *idc.Error {
	return notFound(ReasonOUNotFound, ResourceOU, id, "We can't find an OU with the OrganizationalUnitId that you specified.")
}

func errDuplicateOU() *idc.Error {
	return newErr(idc.KindConflict, ReasonDuplicateOU, "An OU with the same name already exists.")
}

func errTargetNotFound(id string) *idc.Error {
	return notFound(ReasonTargetNotFound, ResourceTarget, id, "We can't find a root, OU, account, or policy with the TargetId that you specified.")
}
