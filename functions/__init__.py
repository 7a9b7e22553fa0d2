"""Code that runs in AWS Lambda, self-contained (the Python standard library and boto3, which
the Lambda runtime provides): nothing here imports the project's other packages, so each
function's folder is its whole deployment package."""
