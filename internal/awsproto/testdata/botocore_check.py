"""Calls the test servers with botocore and prints what it parsed, as JSON.

Usage: botocore_check.py REST_URL QUERY_URL. Used by TestBotocoreParses.
"""
import json
import sys

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

rest_url, query_url = sys.argv[1], sys.argv[2]
session = botocore.session.get_session()
session.set_credentials("AKIDEXAMPLE", "secret")
once = Config(retries={"max_attempts": 1})
unsigned = Config(signature_version=UNSIGNED, retries={"max_attempts": 1})
out = {}


def err(name, call, *fields):
    try:
        call()
        out[name] = "success"
    except ClientError as e:
        r = e.response
        out[name] = [type(e).__name__, r["Error"]["Code"], r["Error"].get("Message", ""),
                     r["ResponseMetadata"]["HTTPStatusCode"]] + [r.get(f) for f in fields]


oidc = session.create_client("sso-oidc", "us-east-1", endpoint_url=rest_url, config=unsigned)
tok = oidc.create_token(clientId="c1", clientSecret="s", grantType="g", deviceCode="ok")
out["CreateToken"] = [tok["accessToken"], tok["expiresIn"], tok["refreshToken"]]
for device in ("pending", "slow", "badclient", "grant"):
    err("CreateToken " + device, lambda: oidc.create_token(
        clientId="c1", clientSecret="s", grantType="g", deviceCode=device), "error", "error_description")

portal = session.create_client("sso", "us-east-1", endpoint_url=rest_url, config=unsigned)
accts = portal.list_accounts(accessToken="tok", maxResults=3)
out["ListAccounts"] = [accts["accountList"][0]["accountName"], accts["accountList"][0]["emailAddress"]]
err("ListAccounts bad", lambda: portal.list_accounts(accessToken="bad"))
err("GetRoleCredentials missing", lambda: portal.get_role_credentials(
    accessToken="missing", accountId="1", roleName="r"))

sts = session.create_client("sts", "us-east-1", endpoint_url=query_url, config=once)
ident = sts.get_caller_identity()
out["GetCallerIdentity"] = [ident["UserId"], ident["Account"], ident["Arn"]]
role = sts.assume_role(RoleArn="arn:aws:iam::111122223333:role/Admin", RoleSessionName="bob",
                       Tags=[{"Key": "team", "Value": "a"}])
out["AssumeRole"] = [role["Credentials"]["SessionToken"], role["Credentials"]["Expiration"].isoformat()]
err("AssumeRole expired", lambda: sts.assume_role(
    RoleArn="arn:aws:iam::111122223333:role/Admin", RoleSessionName="expired"))
err("AssumeRole malformed", lambda: sts.assume_role(
    RoleArn="arn:aws:iam::111122223333:role/Admin", RoleSessionName="malformed"))
bad = botocore.session.get_session()
bad.set_credentials("AKIDUNKNOWN", "secret")
err("GetCallerIdentity unknown key",
    lambda: bad.create_client("sts", "us-east-1", endpoint_url=query_url, config=once).get_caller_identity())

json.dump(out, sys.stdout, indent=1, sort_keys=True)
