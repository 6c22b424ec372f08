"""Setting up a real district (issue 14): the area tree, staff grants and community rules,
managed by admins within their own subtree."""
