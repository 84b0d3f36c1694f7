const { startTestCoordinator } = await import('@aitbc/testkit/coordinator');
for (let i = 0; i < 6; i++) { const t = performance.now(); const c = await startTestCoordinator({}); const t2 = performance.now(); await c.close(); console.log(i, Math.round(t2 - t), Math.round(performance.now() - t2)); }
