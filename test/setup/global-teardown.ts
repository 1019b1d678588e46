export default async function globalTeardown(): Promise<void> {
  const s3 = (globalThis as Record<string, unknown>).__AIMEX_S3__ as { close: () => Promise<void> } | undefined;
  await s3?.close();
}
