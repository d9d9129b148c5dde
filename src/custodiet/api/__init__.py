"""The JSON API partner systems submit requests through, and its OpenAPI document.

A thin adapter like the web views: authenticate the bearer token, read the body, parse it
with the contract's `parse_request`, call `custodiet.cases.actions.take_in`, answer.
"""
