import { loadEnvironments } from '../../../environments/load';
import { main, MigrationError } from '../../../tools/units/migrate';

// The refusals units:migrate makes before it asks STS or reads any state.
const accounts = loadEnvironments().map((account) => account.name);

test('accepting emulator differences against AWS is refused: there the workload plan must be empty', async () => {
  await expect(main([accounts[0], '--accept-emulator-differences'])).rejects.toThrow(
    new MigrationError('--accept-emulator-differences is only for an emulator run (with --endpoint): against AWS the workload plan must be empty. Nothing was changed.'),
  );
});

test('an unknown account is refused naming the accounts there are', async () => {
  await expect(main(['nosuch'])).rejects.toThrow(`There is no account 'nosuch' (environments/accounts/*.ts); the accounts are: ${accounts.join(', ')}.`);
});

test('no account, or two, is refused with the usage', async () => {
  await expect(main([])).rejects.toThrow(/units:migrate takes one account name, got none\.\nUsage: npm run units:migrate -- <account>/);
  await expect(main(accounts)).rejects.toThrow(/takes one account name, got /);
});

test('an endpoint that is not a base URL is refused', async () => {
  await expect(main([accounts[0], '--endpoint', 'localhost:5000'])).rejects.toThrow('--endpoint localhost:5000 is not a URL like http://127.0.0.1:5000');
});
