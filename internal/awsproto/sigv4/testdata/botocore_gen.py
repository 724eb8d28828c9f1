#!/usr/bin/env python3
"""Regenerates botocore.json: requests signed by botocore's SigV4 signers.

botocore (boto3, the AWS CLI) canonicalizes differently from the AWS SDK for
Go v2 in places (it removes empty and dot path segments, and collapses every
kind of whitespace in header values), so verify_test.go checks that both are
accepted. Run from this directory:

    python3 botocore_gen.py > botocore.json
"""
import datetime
import json
from unittest import mock
from urllib.parse import urlsplit

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NOW = datetime.datetime(2024, 1, 1, 0, 0, 0)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
TEMP = Credentials("ASIATEMPEXAMPLE", "tempsecretEXAMPLEKEY/+", "session-token/with+chars==")


def sign(name, method, url, headers=None, body=b"", creds=CREDS, service="identitystore",
         presign_expires=None):
    req = AWSRequest(method=method, url=url, headers=headers or {}, data=body)
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda: NOW):
        if presign_expires is None:
            botocore.auth.SigV4Auth(creds, service, "us-east-1").add_auth(req)
        else:
            botocore.auth.SigV4QueryAuth(creds, service, "us-east-1", expires=presign_expires).add_auth(req)
    parts = urlsplit(req.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return {
        "name": name,
        "method": method,
        "target": target,
        "host": parts.netloc,
        "headers": [[k, v if isinstance(v, str) else v.decode()] for k, v in req.headers.items()],
        "body": body.decode(),
    }


JSON = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSIdentityStore.DescribeUser"}
vectors = [
    sign("json 1.1 DescribeUser", "POST", "https://identitystore.example.com/", dict(JSON),
         b'{"IdentityStoreId":"d-1234567890","UserId":"u-1"}'),
    sign("query protocol GetCallerIdentity", "POST", "https://sts.example.com/",
         {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
         b"Action=GetCallerIdentity&Version=2011-06-15", service="sts"),
    sign("dot and empty path segments", "GET", "https://h.example.com/a//b/./c/../d/"),
    sign("double slash only", "GET", "https://h.example.com//"),
    sign("encoded slash and non-ASCII", "GET", "https://h.example.com/users/a%2Fb/%C3%BC"),
    sign("odd query", "GET",
         "https://h.example.com/?b=2&a=1&a=0&empty=&sp=a%20b&uni=%C3%BC&slash=a%2Fb&semi=a%3Bb&tilde=~"),
    sign("whitespace in header values", "GET", "https://h.example.com/",
         {"X-Custom": "a \t  b   c", "X-Amz-Meta": "  lead and trail  "}),
    sign("session token", "POST", "https://identitystore.example.com/", dict(JSON), b"{}", creds=TEMP),
    sign("port in host", "POST", "http://localhost:8443/", dict(JSON), b"{}"),
    sign("presigned", "GET", "https://sts.example.com/?Action=GetCallerIdentity&Version=2011-06-15",
         service="sts", presign_expires=300),
    sign("presigned with session token", "GET", "https://sts.example.com/?Action=GetCallerIdentity&Version=2011-06-15",
         creds=TEMP, service="sts", presign_expires=300),
]
print(json.dumps(vectors, indent=1))
