"""The operator side: adapters to the outside systems, the rollout controller, the deploy
driver with its preflight checks, thin commands, development tools and docs generators
(docs/architecture.md gives each folder's purpose and the arrows between them). Imports
point one way: ops reads the model and the environments, never stacks or modules; nothing
of the project imports ops but the abort function, main.py's tests and the benchmarks."""
