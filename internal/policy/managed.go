package policy

import "strings"

// awsManaged holds the documents of the AWS managed policies whose content
// is short and public enough to reproduce exactly. Other AWS managed policies
// are accepted by ARN (AWS owns hundreds and changes them), and a later
// evaluator treats those it cannot resolve as granting nothing.
var awsManaged = map[string]string{
	// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html
	"AdministratorAccess": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
	// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/PowerUserAccess.html
	"PowerUserAccess": `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},` +
		`{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles",` +
		`"organizations:DescribeOrganization","account:GetAccountInformation","account:ListRegions",` +
		`"account:GetRegionOptStatus","account:EnableRegion","account:DisableRegion","account:GetPrimaryEmail"],"Resource":"*"}]}`,
}

// AWSManagedDocument returns the document of an AWS managed policy by ARN
// (arn:aws:iam::aws:policy/<path/>Name) when the catalogue holds it.
func AWSManagedDocument(arn string) (string, bool) {
	i := strings.LastIndexByte(arn, '/')
	if i < 0 || !strings.Contains(arn, ":iam::aws:policy/") {
		return "", false
	}
	doc, ok := awsManaged[arn[i+1:]]
	return doc, ok && arn == "arn:aws:iam::aws:policy/"+arn[i+1:]
}

// ManagedPolicyName returns the name of a managed policy ARN: its last path
// segment.
func ManagedPolicyName(arn string) string {
	return arn[strings.LastIndexByte(arn, '/')+1:]
}
