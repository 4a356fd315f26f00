import { render } from 'solid-js/web'
import { App } from './app.tsx'
import { takeTokenFromLocation } from './lib/token.ts'
import './style.css'

takeTokenFromLocation()
const root = document.getElementById('root')
if (root) render(() => <App />, root)
