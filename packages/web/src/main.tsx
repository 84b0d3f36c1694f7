// Entry: find the servers, then render the app.
import { render } from 'preact';
import { loadEndpoints } from './api/config.ts';
import { App } from './app.tsx';
import './styles.css';

const root = document.getElementById('app')!;
void loadEndpoints().then((endpoints) => render(<App endpoints={endpoints} />, root));
