"""The rollout controller: transitions of the persisted rollout state, with the listeners set
to match (``rollout``), the gates read from metrics (``gates``), and the emergency rollback
without Terraform (``rollback``). Commands and the abort function call it; it talks to the
outside only through ``ops.adapters``."""
