// The base URL of your Textloop stack's HTTP API (the stack output HubSpotWebhookUrl without
// "/hubspot/webhooks"). It must equal TEXTLOOP_API_BASE_URL of the config profile you upload with:
// hubspot.fetch only reaches URLs listed in permittedUrls.fetch (`make hubspot-check` compares them).
export const TEXTLOOP_API_BASE_URL = 'https://textloop-api.example.com';
