-- Device authorizations remember the address StartDeviceAuthorization came
-- from, so the approval page can show it and compare it with the
-- approver's (SECURITY.md DF-13, RFC 8628 §5.4 remote phishing): an IP
-- address as text, '' when unknown (every row from before this migration).
;
ALTER TABLE oauth_device_authorizations ADD COLUMN origin_ip TEXT NOT NULL DEFAULT ''
;
-- An administrator may require that a device authorization be approved
-- from the network it was started from; an approval from another network
-- is then recorded as a denial. 0 or 1; off by default.
;
ALTER TABLE auth_settings ADD COLUMN device_same_network INTEGER NOT NULL DEFAULT 0 CHECK (device_same_network IN (0, 1))
