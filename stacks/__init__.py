"""The TerraformStacks of one environment (``model.config.STACK_PARTS``), composed from
``modules`` and the ``model``; ``app`` validates the model and builds them."""
