"""DynamoDB storage: PynamoDB models and the stores that read and write them."""
