"""The five TerraformStacks of one environment, composed from ``modules`` and the ``model``;
``app`` validates the model and builds them."""
