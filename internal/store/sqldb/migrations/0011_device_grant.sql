-- An administrator may turn the device authorization grant off for an
-- identity store (SECURITY.md DF-14, the first defence against device-code
-- phishing): StartDeviceAuthorization is then refused, and codes already
-- started can be neither approved nor redeemed. 0 or 1; on by default.
;
ALTER TABLE auth_settings ADD COLUMN device_grant_disabled INTEGER NOT NULL DEFAULT 0 CHECK (device_grant_disabled IN (0, 1))
