import { render } from 'preact';
import { restoreTokenCookie } from './api/token';
import { App } from './app';
import './styles.css';

restoreTokenCookie();
render(<App />, document.getElementById('app')!);
