"""What the role-matrix tests share: the columns, and the answers that are not a status code."""

# Every role of an agency, and those outside one.
ROLES = (
    "clerk",
    "supervisor",
    "counsel",
    "privacy_officer",
    "auditor",
    "administrator",
    "partner",
    "unaffiliated",  # signed in, member of no agency
    "anonymous",
    "outsider",  # the privacy officer of another agency
)
LOGIN = "sign in"  # a redirect to the sign-in page
DONE = "done"  # a redirect elsewhere: the change was made
