import { RatchetDevice } from '@ratchet/device';

export const device = new RatchetDevice({
  url: process.env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883',
  deviceId: 'pump-17',
  store: './state/pump-17', // its epoch, the commands it has seen, its unsent answers
  logger: console,
});

let rpm = 0;
device.handle<{ rpm: number }>('set-speed', async ({ rpm: wanted }) => {
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 3000)
    throw new Error(`rpm must be a whole number from 0 to 3000, not ${wanted}`);
  rpm = wanted; // drive the motor here
  return { rpm };
});
device.handle('stop', () => {
  rpm = 0;
  return { rpm };
});
device.on('command', (c) => console.log(`${c.commandId} ${c.name}: ${c.outcome}`));

await device.start();
process.once('SIGTERM', () => void device.stop().then(() => process.exit(0)));
