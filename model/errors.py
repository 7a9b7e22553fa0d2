"""Errors that stop synthesis before anything is written."""


class ConfigurationError(ValueError):
    """Bad input: an environment, a deploy-time variable, the route table or the registry.

    The message names the culprit (environment, route, variable, target group).
    """


class ModelError(ConfigurationError):
    """One or more problems found by validating the whole model; one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
