"""AWS list prices the cost model uses: one place, one date, one region.

Region us-east-1 (N. Virginia), on-demand, no free tier, first pricing tier of each service.
Taken from the AWS pricing pages (aws.amazon.com/api-gateway/pricing, /lambda/pricing,
/dynamodb/pricing/on-demand) as published in November 2024, when DynamoDB's on-demand
throughput price was cut by half; unchanged since as far as this repository knows. This
machine cannot reach aws.amazon.com: check the pages before quoting a figure to a customer.
"""

from __future__ import annotations

PRICES_DATE = "2024-11 (AWS pricing pages; DynamoDB on-demand after the 1 Nov 2024 reduction)"
REGION = "us-east-1"

# API Gateway REST API: per million requests (first 333 million a month).
API_GATEWAY_REST_PER_MILLION = 3.50
# API Gateway WebSocket API: per million messages (first billion; a message is metered in 32 KB
# increments, in both directions) and per million connection minutes.
WEBSOCKET_MESSAGES_PER_MILLION = 1.00
WEBSOCKET_CONNECTION_MINUTES_PER_MILLION = 0.25
# Lambda (x86): per million requests and per GB-second (billed per 1 ms).
LAMBDA_REQUESTS_PER_MILLION = 0.20
LAMBDA_GB_SECOND = 0.0000166667
# DynamoDB on-demand (Standard table class): per million write and read request units.
DYNAMODB_WRU_PER_MILLION = 0.625
DYNAMODB_RRU_PER_MILLION = 0.125


def as_table() -> dict[str, float | str]:
    return {
        "date": PRICES_DATE,
        "region": REGION,
        "api_gateway_rest_per_million_requests": API_GATEWAY_REST_PER_MILLION,
        "websocket_per_million_messages_32kb": WEBSOCKET_MESSAGES_PER_MILLION,
        "websocket_per_million_connection_minutes": WEBSOCKET_CONNECTION_MINUTES_PER_MILLION,
        "lambda_per_million_requests": LAMBDA_REQUESTS_PER_MILLION,
        "lambda_per_gb_second": LAMBDA_GB_SECOND,
        "dynamodb_per_million_wru": DYNAMODB_WRU_PER_MILLION,
        "dynamodb_per_million_rru": DYNAMODB_RRU_PER_MILLION,
    }
