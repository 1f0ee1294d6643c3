"""The HTTP entrypoint: Litestar app, controllers, wire structs, problem+json, middleware."""
