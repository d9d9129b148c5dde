"""The Governor's office of legal counsel: the agencies' report bundles received on its
pages, checked in a background job as contract/REPORTS.md says, kept when every check
passes, and summed up for the Joint Budget Committee.

The checks and the store of accepted reports are `custodiet.reports.oversight` and
`custodiet.reports.received`, which the `custodiet oversight` command uses too; this app
adds the role's pages and the record of every bundle sent to them.
"""
