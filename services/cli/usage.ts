export const USAGE = `pontis: admin tool for a Pontis bridge

Usage: pontis <command> [options]

Tokens
  token create --role admin|moderator [--name NAME]
                 with a token (--token or PONTIS_TOKEN): through the API;
                 without: directly in the database (DATABASE_URL and DATABASE_SCHEMA, or
                 --database-url/--schema; neither: the embedded database in PONTIS_DATA_DIR,
                 only while Pontis is stopped). The secret is printed once.
  token list [--revoked]
  token revoke ID

Settings
  settings get
  settings set [--enable NET] [--disable NET] [--block-domain D] [--unblock-domain D]
               [--allow-domain D] [--disallow-domain D] [--default-consent opt-in|opt-out]
               (each flag may repeat)

Accounts
  account list [--status S] [--consent C] [--network N] [--limit N] [--before CURSOR]
  account show ID|HANDLE        any handle or id on any network (@user@host, npub1…, did:…)
  account takedown ID --reason TEXT
  account restore ID [--reason TEXT]
  account opt-out ID [--reason TEXT]   on the person's behalf: deletes their proxies everywhere
  account mirror ID NETWORK native|bridged|off --account-token T
                 the person's own choice of how their posts appear on NETWORK (their token:
                 --account-token or PONTIS_ACCOUNT_TOKEN, the accountToken a link of theirs answered)

Audit and dead letters
  audit [--actor A] [--action X] [--since T] [--until T] [--limit N] [--before CURSOR]
  dead-letters list [--source S] [--topic T] [--replayed true|false] [--limit N] [--before CURSOR]
  dead-letters show ID
  dead-letters replay ID [--force]
  dead-letters delete ID

Status
  status

Options
  --url URL       API base URL (PONTIS_URL, default http://127.0.0.1:8080)
  --token TOKEN   admin or moderator token (PONTIS_TOKEN; prefer the variable: flags show in ps)
  --json          machine-readable output on stdout
  -h, --help

Exit codes: 0 done, 1 failed (the API refused or could not be reached), 2 usage error.
`;
