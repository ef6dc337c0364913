"""Members and the credentials that act for them: accounts (logins), API keys, member JWTs,
and the summary every door shows of a member."""
