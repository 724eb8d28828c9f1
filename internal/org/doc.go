// Package org owns the organization that groups the linked AWS accounts, its
// root, organizational units (OUs), member accounts, create-account
// requests, invitation handshakes and tags, with the semantics of AWS
// Organizations (API version 2016-11-28,
// https://docs.aws.amazon.com/organizations/latest/APIReference/), so that
// the stock AWS CLI, SDKs and Terraform can manage them.
//
// # Rules
//
// An installation has at most one organization; its management account is
// the account given to New. Until CreateOrganization every method fails with
// ReasonNotInUse (DescribeHandshake, which AWS does not model that way, with
// ReasonHandshakeNotFound). CreateOrganization creates the organization, its
// root ("Root") and the management account (JoinedMethod CREATED, Status
// ACTIVE, named ManagementAccountName, with the placeholder email
// idc.PlaceholderAccountEmail, since idcenter never learns the real one).
// DeleteOrganization succeeds only when the management account is the only
// account; it deletes the OUs, tags, create-account statuses and handshakes.
//
// OUs nest at most idc.MaxOUDepth levels below the root, have names unique
// among their siblings, cannot move, and can be deleted only when empty.
// Accounts have unique emails (compared case-insensitively) and move only
// from the parent they are in. Every resource carries at most idc.MaxTags
// tags; keys beginning with "aws:" are reserved.
//
// # Choices where AWS is asynchronous or ambiguous
//
// CreateAccount completes within its transaction: AWS answers IN_PROGRESS
// and clients poll DescribeCreateAccountStatus until SUCCEEDED, but here the
// account exists when the request commits, so CreateAccount already returns
// the final status (SUCCEEDED with AccountId and CompletedTimestamp) and
// every later read returns the same. Pollers (the CLI, Terraform's
// aws_organizations_account) see SUCCEEDED on their first poll. A duplicate
// email does not fail the request: as at AWS, the request succeeds and its
// status is FAILED with FailureReason EMAIL_ALREADY_EXISTS; nothing else is
// written. RoleName and IamUserAccessToBilling are accepted and ignored.
//
// CloseAccount completes at once: the account goes straight to SUSPENDED
// (AWS shows PENDING_CLOSURE for a few minutes first) and stays in the
// organization, as AWS keeps closed accounts for 90 days. Because idcenter
// never purges them, a SUSPENDED account can be removed with
// RemoveAccountFromOrganization. The management account can be neither
// closed (CANNOT_CLOSE_MANAGEMENT_ACCOUNT) nor removed
// (ACCOUNT_CANNOT_LEAVE_ORGANIZATION).
//
// # Registering an existing account
//
// An AWS account that exists outside idcenter joins under its own 12-digit
// id through InviteAccountToOrganization with Target {Type: ACCOUNT, Id:
// "<id>"}. There is no one to accept the invitation, so it is accepted at
// once: the account joins the root with JoinedMethod INVITED, and the
// returned handshake is ACCEPTED (DescribeHandshake and
// ListHandshakesForOrganization return it). The invitation's Tags are
// attached to the account, as AWS does, and two of them also describe it:
//
//   - its name is the value of the "Name" tag, else the Notes (trimmed),
//     else the account id; it must be 1 to 128 characters;
//   - its email is the value of the "Email" tag, else the placeholder
//     idc.PlaceholderAccountEmail(id) (<id>@idcenter.invalid).
//
// So, from the CLI:
//
//	aws organizations invite-account-to-organization \
//	  --target Id=111122223333,Type=ACCOUNT \
//	  --tags Key=Name,Value=Production Key=Email,Value=aws-prod@example.com
//
// "Name" is the tag key AWS consoles already show as a resource's name, and
// both tags remain visible and editable with ListTagsForResource and
// TagResource (changing them later does not rename the account). Targets of
// type EMAIL or ORGANIZATION are refused (INVALID_PARTY_TYPE_TARGET), and so
// is an account that is already a member (ALREADY_IN_AN_ORGANIZATION).
//
// # Errors
//
// Methods return *idc.Error for the caller's mistakes, with a Kind for
// generic consumers and a Reason (the Reason* constants) that names the
// AWS Organizations exception and, after a "/", the exception's Reason
// member where it has one. Any other error is internal.
//
// org imports idc and store only; it knows nothing of HTTP or of the wire
// format.
package org
