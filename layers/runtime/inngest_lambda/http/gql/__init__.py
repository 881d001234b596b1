"""`POST /v0/gql`: the part of Inngest's dev-server GraphQL API that SDK test helpers and tools
read (events and their runs, run status and output, trigger payloads, step spans and their
outputs), answered from the run store with Inngest's shapes.

Only `route` is imported when the API app is built (to add the route); the GraphQL library and
the schema are imported when the route is first hit: the library costs a few hundred
milliseconds to import, which no cold start should pay for a debugging API.
"""
